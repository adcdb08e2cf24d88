#include "cli/app.hpp"

int main(int argc, char** argv) { return churnwatch::cli::run(argc, argv); }
