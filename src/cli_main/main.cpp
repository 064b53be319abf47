// `khe`: all behaviour lives in khe::cli::run so tests can drive it in-process.
#include <iostream>

#include "cli/cli.h"

int main(int argc, char** argv) {
  return khe::cli::run(argc, argv, std::cin, std::cout, std::cerr);
}
