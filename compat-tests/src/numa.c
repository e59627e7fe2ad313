/* NUMA memory policy on a one-node machine: get_mempolicy/set_mempolicy/mbind/move_pages/
 * migrate_pages validate as Linux does, every page is on node 0. */
#include "compat.h"
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#define SHOW(w, e) do { errno = 0; long r_ = (long)(e); printf("%s: %ld errno %d\n", w, r_, r_ < 0 ? errno : 0); } while (0)
int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int mode = -1; unsigned long mask[2] = {~0UL, ~0UL};
  SHOW("get_mempolicy", syscall(SYS_get_mempolicy, &mode, mask, 128, 0, 0)); printf(" mode %d mask %lx\n", mode, mask[0]);
  mask[0] = ~0UL;
  SHOW("get_mempolicy allowed", syscall(SYS_get_mempolicy, &mode, mask, 128, 0, 4)); printf(" mask %lx\n", mask[0]);
  char *p = mmap(0, 8192, 3, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0); p[0] = 1;
  SHOW("get_mempolicy node of page", syscall(SYS_get_mempolicy, &mode, 0, 0, p, 3)); printf(" node %d\n", mode);
  SHOW("get_mempolicy addr", syscall(SYS_get_mempolicy, &mode, mask, 128, p, 2)); printf(" mode %d\n", mode);
  SHOW("get_mempolicy bad flags", syscall(SYS_get_mempolicy, &mode, mask, 128, 0, 8));
  SHOW("get_mempolicy addr without flag", syscall(SYS_get_mempolicy, &mode, mask, 128, p, 0));
  unsigned long one = 1;
  SHOW("set_mempolicy bind 0", syscall(SYS_set_mempolicy, 2, &one, 64));
  mode = -1; mask[0] = 0;
  syscall(SYS_get_mempolicy, &mode, mask, 128, 0, 0); printf(" now mode %d mask %lx\n", mode, mask[0]);
  unsigned long two = 2;
  SHOW("set_mempolicy bind 1", syscall(SYS_set_mempolicy, 2, &two, 64));
  SHOW("set_mempolicy interleave empty", syscall(SYS_set_mempolicy, 3, NULL, 0));
  SHOW("set_mempolicy preferred empty", syscall(SYS_set_mempolicy, 1, NULL, 0));
  SHOW("set_mempolicy default with nodes", syscall(SYS_set_mempolicy, 0, &one, 64));
  SHOW("set_mempolicy bad mode", syscall(SYS_set_mempolicy, 9, NULL, 0));
  SHOW("set_mempolicy default", syscall(SYS_set_mempolicy, 0, NULL, 0));
  SHOW("mbind bind 0", syscall(SYS_mbind, p, 8192, 2, &one, 64, 0));
  SHOW("mbind unaligned", syscall(SYS_mbind, p + 1, 8192, 2, &one, 64, 0));
  SHOW("mbind bad flags", syscall(SYS_mbind, p, 8192, 2, &one, 64, 0x100));
  munmap(p + 4096, 4096);
  void *pages[2] = { p, p + 4096 }; int status[2] = { 9, 9 };
  SHOW("move_pages query", syscall(SYS_move_pages, 0, 2, pages, NULL, status, 0)); printf(" status %d %d\n", status[0], status[1]);
  SHOW("migrate_pages", syscall(SYS_migrate_pages, 0, 64, &one, &one));
  return 0;
}
