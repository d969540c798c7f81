/* Links libossvk directly and checks the ABI version against the header. */
#include <ossvk.h>
#include <stdio.h>

int main(void) {
  if (ossvk_abi_version() != OSSVK_ABI_VERSION) return 1;
  printf("ossvk ABI %u\n", ossvk_abi_version());
  return 0;
}
