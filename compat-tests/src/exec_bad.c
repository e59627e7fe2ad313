/* execve of damaged programs: a small static ELF (exit status 42) is built here, damaged one field
 * at a time, and run in a child. Each case reports execve's errno, or how the child ended when
 * the kernel got past the point of no return (Linux then kills it with SIGSEGV). Not here: a
 * PT_LOAD whose bytes lie past the end of the file (Linux maps it and the first touch gives
 * SIGBUS; the unikernel refuses it after the point of no return, SIGSEGV). Also: an empty
 * file, scripts with a missing, non-executable or endless (#! itself) interpreter, and an
 * interpreter (PT_INTERP) that is missing, unterminated, too long, or not a program. The kernel
 * must never map anything into its own half, crash, or run a program it should refuse. */
#include "compat.h"
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BASE 0x400000UL
#define CODE 0x100          /* offset of the code in the file */
#define SIZE 0x200

static unsigned char img[SIZE];
static char dir[] = "/tmp/exec_bad.XXXXXX";
static char path[256];
static int as_nobody;

/* exit(42), then an invalid instruction should the syscall return */
static const unsigned char code[] = { 0xbf, 42, 0, 0, 0, 0xb8, 60, 0, 0, 0, 0x0f, 0x05, 0x0f, 0x0b };

static Elf64_Ehdr *eh(void) { return (Elf64_Ehdr *)img; }
static Elf64_Phdr *ph(int i) { return (Elf64_Phdr *)(img + sizeof(Elf64_Ehdr)) + i; }

/* A good program: one PT_LOAD (the whole file, R+X at BASE); optionally a PT_INTERP naming
 * `interp` (stored at offset 0x180). */
static size_t build(const char *interp)
{
    memset(img, 0, sizeof img);
    Elf64_Ehdr *e = eh();
    memcpy(e->e_ident, ELFMAG, SELFMAG);
    e->e_ident[EI_CLASS] = ELFCLASS64;
    e->e_ident[EI_DATA] = ELFDATA2LSB;
    e->e_ident[EI_VERSION] = EV_CURRENT;
    e->e_type = ET_EXEC;
    e->e_machine = EM_X86_64;
    e->e_version = EV_CURRENT;
    e->e_entry = BASE + CODE;
    e->e_phoff = sizeof(Elf64_Ehdr);
    e->e_ehsize = sizeof(Elf64_Ehdr);
    e->e_phentsize = sizeof(Elf64_Phdr);
    e->e_phnum = 1;
    Elf64_Phdr *p = ph(0);
    p->p_type = PT_LOAD;
    p->p_flags = PF_R | PF_X;
    p->p_offset = 0;
    p->p_vaddr = p->p_paddr = BASE;
    p->p_filesz = p->p_memsz = SIZE;
    p->p_align = 0x1000;
    memcpy(img + CODE, code, sizeof code);
    if (interp) {
        /* PT_INTERP must come before PT_LOAD */
        *ph(1) = *ph(0);
        Elf64_Phdr *i = ph(0);
        memset(i, 0, sizeof *i);
        i->p_type = PT_INTERP;
        i->p_flags = PF_R;
        i->p_offset = 0x180;
        i->p_filesz = i->p_memsz = strlen(interp) + 1;
        i->p_align = 1;
        strcpy((char *)img + 0x180, interp);
        e->e_phnum = 2;
    }
    return SIZE;
}

static void write_file(const char *name, const void *data, size_t n, mode_t mode)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (n && write(fd, data, n) != (ssize_t)n) printf("short write\n");
    close(fd);
    chmod(path, mode);
}

static void run(const char *what)
{
    fflush(stdout);
    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        fcntl(p[1], F_SETFD, FD_CLOEXEC);
        if (as_nobody && (setgid(65534) || setuid(65534))) _exit(98);
        char *argv[] = { path, 0 }, *envp[] = { 0 };
        execve(path, argv, envp);
        int e = errno;
        write(p[1], &e, sizeof e);
        _exit(99);
    }
    close(p[1]);
    int err = 0;
    ssize_t got = read(p[0], &err, sizeof err);
    close(p[0]);
    int st;
    waitpid(c, &st, 0);
    if (got == sizeof err) printf("%s: execve errno %d (%s)\n", what, err, strerror(err));
    else if (WIFSIGNALED(st)) printf("%s: killed by signal %d\n", what, WTERMSIG(st));
    else printf("%s: exit %d\n", what, WEXITSTATUS(st));
}

#define CASE(what, setup) do { build(0); setup; write_file("prog", img, SIZE, 0755); run(what); } while (0)

int main(void)
{
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    chmod(dir, 0755);

    CASE("the good program", (void)0);
    CASE("bad magic", img[1] = 'X');
    CASE("32-bit class", eh()->e_ident[EI_CLASS] = ELFCLASS32);
    CASE("big-endian", eh()->e_ident[EI_DATA] = ELFDATA2MSB);
    CASE("machine i386", eh()->e_machine = EM_386);
    CASE("machine aarch64", eh()->e_machine = EM_AARCH64);
    CASE("relocatable type", eh()->e_type = ET_REL);
    CASE("core type", eh()->e_type = ET_CORE);
    CASE("program header size 32", eh()->e_phentsize = 32);
    CASE("no program headers", eh()->e_phnum = 0);
    CASE("65535 program headers", eh()->e_phnum = 65535);
    CASE("program headers past the end", eh()->e_phoff = 0x100000);
    CASE("program headers offset overflowing", eh()->e_phoff = 0xfffffffffffffff0UL);
    CASE("entry in the kernel half", eh()->e_entry = 0xffff800000001000UL);
    CASE("entry non-canonical", eh()->e_entry = 0x0000900000000000UL);
    CASE("entry unmapped", eh()->e_entry = 0x10000000);
    CASE("segment in the kernel half", ph(0)->p_vaddr = 0xffff800000000000UL; eh()->e_entry = 0xffff800000000000UL + CODE);
    CASE("segment at the top of the kernel image", ph(0)->p_vaddr = 0xffffffff80000000UL; eh()->e_entry = 0xffffffff80000000UL + CODE);
    CASE("segment non-canonical", ph(0)->p_vaddr = 0x0000800000000000UL; eh()->e_entry = 0x0000800000000000UL + CODE);
    CASE("segment just below the end of user space", ph(0)->p_vaddr = 0x00007ffffffff000UL; ph(0)->p_memsz = 0x2000;
         eh()->e_entry = 0x00007ffffffff000UL + CODE);
    CASE("segment wrapping around", ph(0)->p_vaddr = 0xfffffffffffff000UL; eh()->e_entry = 0xfffffffffffff000UL + CODE);
    CASE("memsz smaller than filesz", ph(0)->p_memsz = 0x10);
    CASE("huge memsz", ph(0)->p_memsz = 0x7fffffffffffUL);
    CASE("segment offset misaligned", ph(0)->p_offset = 0x10);
    CASE("not executable segment", ph(0)->p_flags = PF_R);
    /* below vm.mmap_min_addr: refused to a user without CAP_SYS_RAWIO (the unikernel refuses it to all) */
    as_nobody = 1;
    CASE("segment at zero, as nobody", ph(0)->p_vaddr = 0; eh()->e_entry = CODE);
    as_nobody = 0;
    CASE("PT_LOAD turned PT_NULL", ph(0)->p_type = PT_NULL);

    build("/no-such-dir.exec_bad/ld.so");
    write_file("prog", img, SIZE, 0755);
    run("interpreter missing");
    build("/tmp");
    write_file("prog", img, SIZE, 0755);
    run("interpreter a directory");
    build("/x");
    ph(0)->p_filesz = 2;
    img[0x181] = 'y';
    write_file("prog", img, SIZE, 0755);
    run("interpreter unterminated");
    build("/x");
    ph(0)->p_filesz = 8192;
    write_file("prog", img, SIZE, 0755);
    run("interpreter name longer than PATH_MAX");
    build("/x");
    ph(0)->p_offset = 0x100000;
    write_file("prog", img, SIZE, 0755);
    run("interpreter name past the end");
    write_file("notelf", "hello\n", 6, 0755);
    char notelf[256];
    snprintf(notelf, sizeof notelf, "%s", path);
    build(notelf);
    write_file("prog", img, SIZE, 0755);
    run("interpreter not an ELF file");

    write_file("empty", "", 0, 0755);
    run("empty file");
    write_file("short", "\177ELF", 4, 0755);
    run("four bytes of ELF magic");
    write_file("noexec", "#!/bin/sh\n", 10, 0644);
    run("no execute permission");
    write_file("script", "#!/no-such-dir.exec_bad/sh\n", 27, 0755);
    run("script with a missing interpreter");
    char loop[300];
    snprintf(loop, sizeof loop, "#!%s/loop\n", dir);
    write_file("loop", loop, strlen(loop), 0755);
    run("script that is its own interpreter");
    char longline[400] = "#!";
    memset(longline + 2, 'a', 300);
    longline[302] = '\n';
    write_file("longline", longline, 303, 0755);
    run("script with a 300-byte interpreter name");
    snprintf(loop, sizeof loop, "#!%s/noexec\n", dir);
    write_file("script2", loop, strlen(loop), 0755);
    run("script whose interpreter is not executable");

    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    int r = system(cmd);
    (void)r;
    printf("still alive\n");
    return 0;
}
