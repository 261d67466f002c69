// All of a tool's output goes through one Printer, so colour and line
// overwriting happen only on a terminal that understands them (not when
// piped, not with TERM=dumb; NO_COLOR turns colour off), and every error
// reads "TOOL: error: ...".
#ifndef MPKATA_TOOLS_CLI_PRINTER_H_
#define MPKATA_TOOLS_CLI_PRINTER_H_

#include <iostream>
#include <string>
#include <string_view>

#include "tools/cli/util.h"

namespace kata {

enum class Colour { kNone, kGreen, kYellow, kRed, kMagenta, kBold, kDim };

class Printer {
 public:
  explicit Printer(std::string tool)
      : tool_(std::move(tool)), fancy_(StdoutIsFancyTerminal()), colour_(ColourWanted()) {}

  bool fancy() const { return fancy_; }

  void Line(std::string_view text = "") {
    ClearStatus();
    std::cout << text << "\n" << std::flush;
  }
  // A progress line that the next output replaces, on a terminal; nothing
  // otherwise (a log file does not need "building..." a hundred times).
  void Status(std::string_view text) {
    if (!fancy_) return;
    std::cout << "\r\033[K" << Shorten(text, 100) << std::flush;
    status_shown_ = true;
  }
  std::string Paint(std::string_view text, Colour colour) const {
    if (!colour_ || colour == Colour::kNone) return std::string(text);
    const char* code = colour == Colour::kGreen    ? "32"
                       : colour == Colour::kYellow ? "33"
                       : colour == Colour::kRed    ? "31"
                       : colour == Colour::kMagenta ? "35"
                       : colour == Colour::kBold   ? "1"
                                                   : "2";
    return std::string("\033[") + code + "m" + std::string(text) + "\033[0m";
  }
  void Error(std::string_view text) {
    ClearStatus();
    std::cerr << tool_ << ": error: " << text << "\n" << std::flush;
  }
  void Warning(std::string_view text) {
    ClearStatus();
    std::cerr << tool_ << ": warning: " << text << "\n" << std::flush;
  }

 private:
  void ClearStatus() {
    if (status_shown_) std::cout << "\r\033[K" << std::flush;
    status_shown_ = false;
  }

  std::string tool_;
  bool fancy_;
  bool colour_;
  bool status_shown_ = false;
};

}  // namespace kata

#endif  // MPKATA_TOOLS_CLI_PRINTER_H_
