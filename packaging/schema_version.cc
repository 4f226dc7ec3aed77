// Prints the database schema version this build's xfnode migrates to. The
// package's preinst embeds it to refuse a downgrade before unpacking.
#include <iostream>

#include "node/store.h"

int main() {
  std::cout << xf::node::Store::LatestSchemaVersion() << "\n";
  return 0;
}
