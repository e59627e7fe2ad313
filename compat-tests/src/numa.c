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
  /* set_mempolicy_home_node (450): the range's mbind policies decide. */
  char *q = mmap(0, 4 * 4096, 3, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  SHOW("home_node, no policy on the range", syscall(450, q, 4096, 0, 0));
  SHOW("home_node, unmapped range", syscall(450, p + 4096, 4096, 0, 0));
  SHOW("home_node, unaligned", syscall(450, q + 1, 4096, 0, 0));
  SHOW("home_node, flags 1", syscall(450, q, 4096, 0, 1));
  SHOW("home_node, node 1", syscall(450, q, 4096, 1, 0));
  SHOW("home_node, node 1024", syscall(450, q, 4096, 1024, 0));
  SHOW("home_node, length 0", syscall(450, q, 0, 0, 0));
  SHOW("home_node, wrapping", syscall(450, q, -4096UL * 2, 0, 0));
  SHOW("mbind bind on page 0", syscall(SYS_mbind, q, 4096, 2, &one, 64, 0));
  SHOW("home_node, bind", syscall(450, q, 4096, 0, 0));
  SHOW("home_node, bind then none", syscall(450, q, 2 * 4096, 0, 0));
  SHOW("mbind preferred on page 1", syscall(SYS_mbind, q + 4096, 4096, 1, &one, 64, 0));
  SHOW("home_node, preferred", syscall(450, q + 4096, 4096, 0, 0));
  SHOW("home_node, bind then preferred", syscall(450, q, 2 * 4096, 0, 0));
  SHOW("mbind preferred-many on page 2", syscall(SYS_mbind, q + 2 * 4096, 4096, 5, &one, 64, 0));
  SHOW("home_node, preferred-many", syscall(450, q + 2 * 4096, 4096, 0, 0));
  SHOW("mbind local on page 3", syscall(SYS_mbind, q + 3 * 4096, 4096, 4, NULL, 0, 0));
  SHOW("home_node, local", syscall(450, q + 3 * 4096, 4096, 0, 0));
  mode = -1; mask[0] = 0;
  SHOW("get_mempolicy addr of the bind page", syscall(SYS_get_mempolicy, &mode, mask, 128, q, 2)); printf(" mode %d mask %lx\n", mode, mask[0]);
  mode = -1; mask[0] = 0;
  SHOW("get_mempolicy addr of the local page", syscall(SYS_get_mempolicy, &mode, mask, 128, q + 3 * 4096, 2)); printf(" mode %d mask %lx\n", mode, mask[0]);
  SHOW("mbind default on page 1", syscall(SYS_mbind, q + 4096, 4096, 0, NULL, 0, 0));
  SHOW("home_node, bind then default", syscall(450, q, 2 * 4096, 0, 0));
  char *moved = mremap(q, 4096, 8192, MREMAP_MAYMOVE);
  mode = -1; mask[0] = 0;
  SHOW("get_mempolicy addr in the bind page grown by mremap", syscall(SYS_get_mempolicy, &mode, mask, 128, moved + 4096, 2)); printf(" mode %d mask %lx\n", mode, mask[0]);
  SHOW("home_node, the moved range", syscall(450, moved, 8192, 0, 0));
  return 0;
}
