; Boot stub: PVH entry (32-bit protected mode, paging off, EBX = hvm_start_info) at the image's
; physical address. It builds boot page tables that map the first 4 GiB twice with 2 MiB pages
; (identity, only for the jump, and the direct map) and the image's first GiB at KERNEL_VMA,
; switches to long mode, jumps to the higher half, enables SSE and calls the C# kernel (kmain),
; which replaces these tables (PageTable.Init: no identity map, 4 KiB image pages with per-section
; rights). Also: interrupt stubs, the exception fixup table (extable) and tiny CPU helpers that C#
; cannot express. Everything but .note.Xen and .boot.text is linked high (linker.ld): the 32-bit
; code reaches it through V2P.

%define KERNEL_VMA 0xFFFFFFFF80000000
%define V2P(x) ((x) - KERNEL_VMA)
default rel

bits 32
section .note.Xen note alloc noexec nowrite align=4
    dd 4                    ; name size
    dd 4                    ; desc size
    dd 18                   ; XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dd pvh_entry            ; linked at its physical address

section .boot.text progbits alloc exec nowrite align=16
global pvh_entry
pvh_entry:
    cli
    mov esp, V2P(boot_stack_top)
    mov [V2P(boot_start_info)], ebx
    rdtsc                                   ; the earliest timestamp we can take
    mov [V2P(boot_tsc_entry)], eax
    mov [V2P(boot_tsc_entry) + 4], edx

    ; PML4[0] and PML4[256] -> one PDPT whose 4 entries cover 4 GiB with 2 MiB pages;
    ; PML4[511] -> a PDPT whose entry 510 (KERNEL_VMA) reuses the first of those PDs.
    mov eax, V2P(boot_pdpt)
    or eax, 3
    mov [V2P(boot_pml4)], eax
    mov [V2P(boot_pml4) + 256 * 8], eax
    mov eax, V2P(boot_pdpt_high)
    or eax, 3
    mov [V2P(boot_pml4) + 511 * 8], eax
    mov eax, V2P(boot_pd)
    or eax, 3
    mov [V2P(boot_pdpt_high) + 510 * 8], eax
    mov ecx, 0
.fill_pdpt:
    mov eax, ecx
    shl eax, 12
    add eax, V2P(boot_pd)
    or eax, 3
    mov [V2P(boot_pdpt) + ecx * 8], eax
    inc ecx
    cmp ecx, 4
    jne .fill_pdpt
    mov ecx, 0
.fill_pd:                                   ; 2048 entries: entry i maps i * 2 MiB
    mov eax, ecx
    shl eax, 21
    or eax, 0x83
    mov edx, ecx
    shr edx, 11                             ; high dword of the physical address
    mov [V2P(boot_pd) + ecx * 8], eax
    mov [V2P(boot_pd) + ecx * 8 + 4], edx
    inc ecx
    cmp ecx, 2048
    jne .fill_pd

    mov eax, cr4
    or eax, (1 << 5) | (1 << 9) | (1 << 10) ; PAE, OSFXSR, OSXMMEXCPT
    mov cr4, eax
    mov eax, V2P(boot_pml4)
    mov cr3, eax
    mov ecx, 0xC0000080                     ; EFER: LME | NXE | SCE
    rdmsr
    or eax, (1 << 8) | (1 << 11) | 1
    wrmsr
    mov eax, cr0
    and eax, ~(1 << 2)                      ; EM off
    or eax, (1 << 31) | (1 << 18) | (1 << 16) | (1 << 5) | (1 << 1) | 1 ; PG, AM, WP, NE, MP, PE (as Linux: AM lets
                                            ; a program ask for alignment checks, NE reports x87 errors as #MF)
    mov cr0, eax
    lgdt [boot_gdt_ptr32]
    jmp 0x08:long_mode

boot_gdt_ptr32:                             ; lgdt in 32-bit mode takes a 32-bit (physical) base
    dw boot_gdt_end - boot_gdt - 1
    dd V2P(boot_gdt)

bits 64
long_mode:                                  ; still at the physical address: jump to the higher half
    mov rax, high_entry
    jmp rax

section .text
high_entry:
    lgdt [boot_gdt_ptr]                     ; the same GDT through its high address
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor ax, ax
    mov fs, ax
    mov gs, ax
    lea rsp, [boot_stack_top]
    fninit
    ; Stack-protector cookie for C# frames with stackalloc: set before any C# runs.
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov rcx, 0x9E3779B97F4A7C15
    imul rax, rcx
    mov [rel __security_cookie], rax
    xor ebp, ebp
    mov edi, [rel boot_start_info]
    extern kmain
    call kmain
.halt:
    cli
    hlt
    jmp .halt

section .boot.data progbits alloc noexec write align=16
boot_gdt:
    dq 0
    dq 0x00AF9A000000FFFF                   ; 0x08 kernel code, 64-bit
    dq 0x00CF92000000FFFF                   ; 0x10 kernel data
boot_gdt_end:
boot_gdt_ptr:
    dw boot_gdt_end - boot_gdt - 1
    dq boot_gdt
global boot_start_info, boot_tsc_entry, __security_cookie
__security_cookie: dq 0
boot_start_info: dq 0
boot_tsc_entry: dq 0

section .boot.bss nobits alloc noexec write align=4096
boot_pml4: resb 4096
boot_pdpt: resb 4096
boot_pdpt_high: resb 4096
boot_pd: resb 4096 * 4
global boot_stack_bottom, boot_stack_top
boot_stack_bottom: resb 65536
boot_stack_top:

; ---------------------------------------------------------------------------------------------
; Interrupts: every vector pushes (error code or 0, vector), saves the general registers and the
; SSE state, and calls the C# dispatcher with a pointer to the register frame. The dispatcher may
; edit the frame (e.g. RIP for an extable fixup) before we return with iretq.
section .text
extern interrupt_dispatch

%macro ISR_NOERR 1
isr_%1:
    push 0
    push %1
    jmp isr_common
%endmacro
%macro ISR_ERR 1
isr_%1:
    push %1
    jmp isr_common
%endmacro

%assign v 0
%rep 256
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
    ISR_ERR v
%else
    ISR_NOERR v
%endif
%assign v v + 1
%endrep

; The SSE registers and MXCSR at [rsp] (16-aligned, 260 bytes; layout: SyscallFpu in C#). Only
; these: the kernel never touches x87 state, and under TCG fxsave/fxrstor cost more than the rest
; of a small syscall or device interrupt.
%macro SAVE_SSE 0
    movdqa [rsp + 0], xmm0
    movdqa [rsp + 16], xmm1
    movdqa [rsp + 32], xmm2
    movdqa [rsp + 48], xmm3
    movdqa [rsp + 64], xmm4
    movdqa [rsp + 80], xmm5
    movdqa [rsp + 96], xmm6
    movdqa [rsp + 112], xmm7
    movdqa [rsp + 128], xmm8
    movdqa [rsp + 144], xmm9
    movdqa [rsp + 160], xmm10
    movdqa [rsp + 176], xmm11
    movdqa [rsp + 192], xmm12
    movdqa [rsp + 208], xmm13
    movdqa [rsp + 224], xmm14
    movdqa [rsp + 240], xmm15
    stmxcsr [rsp + 256]
%endmacro
%macro RESTORE_SSE 0
    movdqa xmm0, [rsp + 0]
    movdqa xmm1, [rsp + 16]
    movdqa xmm2, [rsp + 32]
    movdqa xmm3, [rsp + 48]
    movdqa xmm4, [rsp + 64]
    movdqa xmm5, [rsp + 80]
    movdqa xmm6, [rsp + 96]
    movdqa xmm7, [rsp + 112]
    movdqa xmm8, [rsp + 128]
    movdqa xmm9, [rsp + 144]
    movdqa xmm10, [rsp + 160]
    movdqa xmm11, [rsp + 176]
    movdqa xmm12, [rsp + 192]
    movdqa xmm13, [rsp + 208]
    movdqa xmm14, [rsp + 224]
    movdqa xmm15, [rsp + 240]
    ldmxcsr [rsp + 256]
%endmacro

isr_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp
    mov rbx, rsp
    sub rsp, 512
    and rsp, ~15
    SAVE_SSE
    cld
    call interrupt_dispatch
    RESTORE_SSE
    mov rsp, rbx
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16
    iretq

section .rodata
global isr_table
isr_table:
%assign v 0
%rep 256
    dq isr_ %+ v
%assign v v + 1
%endrep

; ---------------------------------------------------------------------------------------------
; Exception fixup table: (faulting RIP, resume RIP, flags). flags bit 0: print the fault report.
%macro EXTABLE 3
section .extable progbits alloc noexec nowrite align=8
    dq %1, %2, %3
section .text
%endmacro

section .text
; long probe_read64(ulong address): reads 8 bytes, or returns -1 if the read faults (reported).
global probe_read64
probe_read64:
.insn:
    mov rax, [rdi]
    ret
.fix:
    mov rax, -1
    ret
EXTABLE probe_read64.insn, probe_read64.fix, 1

; long probe_ud(void): executes ud2; returns -1 after the #UD is reported.
global probe_ud
probe_ud:
.insn:
    ud2
    xor eax, eax
    ret
.fix:
    mov rax, -1
    ret
EXTABLE probe_ud.insn, probe_ud.fix, 1

; long probe_div0(long a): divides by zero; returns -1 after the #DE is reported.
global probe_div0
probe_div0:
    xor ecx, ecx
    mov rax, rdi
    cqo
.insn:
    idiv rcx
    ret
.fix:
    mov rax, -1
    ret
EXTABLE probe_div0.insn, probe_div0.fix, 1

; long probe_write64(ulong address, ulong value): writes 8 bytes, or returns -1 if the write faults (reported).
global probe_write64
probe_write64:
.insn:
    mov [rdi], rsi
    xor eax, eax
    ret
.fix:
    mov rax, -1
    ret
EXTABLE probe_write64.insn, probe_write64.fix, 1

; long probe_exec_data(void): calls a `ret` placed in .data; returns -1 when the fetch faults
; (no-execute), 0 if it ran. The fault's RIP is the data byte itself, hence its extable entry.
global probe_exec_data
probe_exec_data:
    lea rax, [rel probe_exec_target]
    call rax
    xor eax, eax
    ret
.fix:
    add rsp, 8                               ; the return address the call pushed
    mov rax, -1
    ret
EXTABLE probe_exec_target, probe_exec_data.fix, 1
section .data
probe_exec_target: db 0xC3                   ; ret
section .text

; ---------------------------------------------------------------------------------------------
; CPU helpers (System V ABI).
global asm_outb, asm_inb, asm_outw, asm_inw, asm_outd, asm_ind
asm_outb:
    mov edx, edi
    mov eax, esi
    out dx, al
    ret
asm_inb:
    mov edx, edi
    xor eax, eax
    in al, dx
    ret
asm_outw:
    mov edx, edi
    mov eax, esi
    out dx, ax
    ret
asm_inw:
    mov edx, edi
    xor eax, eax
    in ax, dx
    ret
asm_outd:
    mov edx, edi
    mov eax, esi
    out dx, eax
    ret
asm_ind:
    mov edx, edi
    in eax, dx
    ret

global asm_rdtsc
asm_rdtsc:
    rdtsc
    shl rdx, 32
    or rax, rdx
    ret

; void asm_cpuid(uint leaf, uint subleaf, uint* out4)
global asm_cpuid
asm_cpuid:
    push rbx
    mov r8, rdx
    mov eax, edi
    mov ecx, esi
    cpuid
    mov [r8], eax
    mov [r8 + 4], ebx
    mov [r8 + 8], ecx
    mov [r8 + 12], edx
    pop rbx
    ret

global asm_rdmsr, asm_wrmsr
asm_rdmsr:
    mov ecx, edi
    rdmsr
    shl rdx, 32
    or rax, rdx
    ret
asm_wrmsr:
    mov ecx, edi
    mov eax, esi
    mov rdx, rsi
    shr rdx, 32
    wrmsr
    ret

global asm_lgdt, asm_lidt, asm_ltr
asm_lgdt:
    lgdt [rdi]
    ; reload CS through a far return, then the data segments
    push 0x10                                ; Cpu.KernelCode
    lea rax, [rel .reload]
    push rax
    retfq
.reload:
    mov ax, 0x18                             ; Cpu.KernelData
    mov ds, ax
    mov es, ax
    mov ss, ax
    ret
asm_lidt:
    lidt [rdi]
    ret
asm_ltr:
    ltr di
    ret

global asm_read_cr0, asm_read_cr2, asm_read_cr3, asm_read_cr4, asm_write_cr3, asm_invlpg
asm_read_cr0:
    mov rax, cr0
    ret
asm_read_cr2:
    mov rax, cr2
    ret
asm_read_cr3:
    mov rax, cr3
    ret
asm_read_cr4:
    mov rax, cr4
    ret
asm_write_cr3:
    mov cr3, rdi
    ret
global asm_write_cr4
asm_write_cr4:
    mov cr4, rdi
    ret
asm_invlpg:
    invlpg [rdi]
    ret

global asm_fxsave, asm_fxrstor, asm_fninit
asm_fxsave:
    fxsave [rdi]
    ret
asm_fxrstor:
    fxrstor [rdi]
    ret
asm_fninit:
    fninit
    ret

; MMIO accessors: exactly one 32-bit access each (the compiler may narrow or merge plain loads).
global asm_mmio_read32, asm_mmio_write32
asm_mmio_read32:
    mov eax, [rdi]
    ret
asm_mmio_write32:
    mov [rdi], esi
    ret
; Narrower ones for registers that must be accessed at their own width (virtio-pci common config).
global asm_mmio_read8, asm_mmio_write8, asm_mmio_read16, asm_mmio_write16
asm_mmio_read8:
    movzx eax, byte [rdi]
    ret
asm_mmio_write8:
    mov [rdi], sil
    ret
asm_mmio_read16:
    movzx eax, word [rdi]
    ret
asm_mmio_write16:
    mov [rdi], si
    ret

global asm_mfence
asm_mfence:
    mfence
    ret

global asm_hlt, asm_cli, asm_sti, asm_pause, asm_sti_hlt, asm_read_rsp, asm_read_rbp, asm_read_rflags
asm_hlt:
    hlt
    ret
asm_cli:
    cli
    ret
asm_sti:
    sti
    ret
asm_sti_hlt:                                ; atomically enable interrupts, wait for one, mask them again
    sti
    hlt
    cli
    ret
asm_pause:
    pause
    ret
asm_read_rsp:
    lea rax, [rsp + 8]
    ret
asm_read_rbp:
    mov rax, rbp
    ret
asm_read_rflags:
    pushfq
    pop rax
    ret

; RhpByRefAssignRef: copy one reference from [rsi] to [rdi], advancing both (no GC: plain move).
global RhpByRefAssignRef
RhpByRefAssignRef:
    movsq
    ret

global memcpy, memmove, memset, asm_memzero
; 8-byte moves and stores for the bulk: under TCG every store is a helper call, and a store into a
; page that held translated code (a freed frame of an earlier program) is far costlier still, so
; eight times fewer stores matter (zeroing a new program's pages went from ~30 ms to ~4 per exec).
memcpy:
    mov rax, rdi
    mov rcx, rdx
    shr rcx, 3
    rep movsq
    mov rcx, rdx
    and rcx, 7
    rep movsb
    ret
memmove:
    mov rax, rdi
    mov rcx, rdx
    cmp rdi, rsi
    jbe .forward
    lea r8, [rsi + rdx]
    cmp rdi, r8
    jae .forward
    lea rsi, [rsi + rdx - 1]
    lea rdi, [rdi + rdx - 1]
    std
    rep movsb
    cld
    ret
.forward:
    shr rcx, 3
    rep movsq
    mov rcx, rdx
    and rcx, 7
    rep movsb
    ret
memset:
    mov r8, rdi
    movzx eax, sil
    mov r9, 0x0101010101010101
    imul rax, r9
    mov rcx, rdx
    shr rcx, 3
    rep stosq
    mov rcx, rdx
    and rcx, 7
    rep stosb
    mov rax, r8
    ret
asm_memzero:
    xor eax, eax
    mov rdx, rsi
    mov rcx, rsi
    shr rcx, 3
    rep stosq
    mov rcx, rdx
    and rcx, 7
    rep stosb
    ret

section .note.GNU-stack noalloc noexec nowrite progbits

; ulong* asm_symbols(): addresses C# needs from the linker script and this file.
section .text
extern __kernel_start, __kernel_end, __text_start, __text_end, __extable_start, __extable_end
extern __start___modules, __stop___modules, __rodata_start, __data_start
global asm_symbols
asm_symbols:
    lea rax, [rel symbol_table]
    ret
section .data
symbol_table:
    dq __kernel_start, __kernel_end, __text_start, __text_end, __extable_start, __extable_end
    dq __start___modules, __stop___modules, isr_table, boot_start_info, boot_tsc_entry
    dq boot_stack_bottom, boot_stack_top, __rodata_start, __data_start

; ---------------------------------------------------------------------------------------------
; User mode. enter_user(rip, rsp): the first entry of a program into ring 3 with clean registers
; and a clean FPU/SSE state. The kernel frames left on this thread's stack are abandoned: the next
; syscall starts again at the stack's top.
section .text
global enter_user
enter_user:
    push 0x28 | 3                            ; SS: user data (Cpu.UserData)
    push rsi                                 ; RSP
    push 0x202                               ; RFLAGS: IF
    push 0x30 | 3                            ; CS: user code 64 (Cpu.UserCode)
    push rdi                                 ; RIP
    xor eax, eax
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor edi, edi
    xor ebp, ebp
    xor r8, r8
    xor r9, r9
    xor r10, r10
    xor r11, r11
    xor r12, r12
    xor r13, r13
    xor r14, r14
    xor r15, r15
    fninit
    pxor xmm0, xmm0
    pxor xmm1, xmm1
    pxor xmm2, xmm2
    pxor xmm3, xmm3
    pxor xmm4, xmm4
    pxor xmm5, xmm5
    pxor xmm6, xmm6
    pxor xmm7, xmm7
    pxor xmm8, xmm8
    pxor xmm9, xmm9
    pxor xmm10, xmm10
    pxor xmm11, xmm11
    pxor xmm12, xmm12
    pxor xmm13, xmm13
    pxor xmm14, xmm14
    pxor xmm15, xmm15
    push 0x1F80
    ldmxcsr [rsp]
    add rsp, 8
    iretq

; SYSCALL entry: RCX = user RIP, R11 = user RFLAGS, interrupts masked by SFMASK. Builds a
; SyscallFrame on the kernel syscall stack, saves SSE state, calls syscall_dispatch(frame), and
; returns with sysretq (or iretq when the return address is not canonical).
; Restores the general registers of a SyscallFrame (all but RAX, RIP, RFLAGS, RSP).
%macro POP_SYSCALL_GPRS 0
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    pop r9
    pop r8
    pop r10
    pop rdx
    pop rsi
    pop rdi
%endmacro

global syscall_entry, syscall_stack_top
extern syscall_dispatch
syscall_entry:
    mov [rel syscall_user_rsp], rsp
    mov rsp, [rel syscall_stack_top]
    push qword [rel syscall_user_rsp]        ; user RSP
    push r11                                 ; user RFLAGS
    push rcx                                 ; user RIP
    push rax                                 ; syscall number (and result slot)
    push rdi
    push rsi
    push rdx
    push r10
    push r8
    push r9
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp
    mov rbx, rsp
    sub rsp, 512
    and rsp, ~15
    SAVE_SSE
    cld
    call syscall_dispatch
global syscall_return
syscall_return:                             ; rbx = SyscallFrame*, rsp = its SSE area (fork_return enters here)
    RESTORE_SSE
    mov rsp, rbx
    cmp byte [rel syscall_full_restore], 0
    jne .full_restore
    ; sysret with a non-canonical RCX would #GP in ring 0: never let user code choose that.
    mov rcx, [rsp + 13 * 8]
    sar rcx, 47
    jz .canonical
    cmp rcx, -1
    je .canonical
    mov qword [rsp + 13 * 8], 0              ; return to address 0: the program faults in ring 3
.canonical:
    POP_SYSCALL_GPRS
    pop rax                                  ; result
    pop rcx                                  ; user RIP
    pop r11                                  ; user RFLAGS
    pop rsp                                  ; user RSP
    o64 sysret

; rt_sigreturn (and signal delivery) must restore RCX and R11 too, which sysret cannot: return
; through iretq using the frame the dispatcher left in syscall_iret_frame.
.full_restore:
    mov byte [rel syscall_full_restore], 0
    POP_SYSCALL_GPRS
    pop rax
    mov rcx, [rel syscall_iret_rcx]
    mov r11, [rel syscall_iret_r11]
    lea rsp, [rel syscall_iret_frame]
    iretq

section .data
align 8
syscall_user_rsp: dq 0
syscall_stack_top: dq 0
syscall_full_restore: dq 0
syscall_iret_rcx: dq 0
syscall_iret_r11: dq 0
syscall_iret_frame: dq 0, 0, 0, 0, 0          ; RIP, CS, RFLAGS, RSP, SS

; ---------------------------------------------------------------------------------------------
; User memory access. Each returns 0 on success or -14 (EFAULT) when a page fault hits an
; address that no user mapping covers (the page-fault handler demand-pages valid regions first).
section .text
global user_copy, user_fill, user_strnlen
; long user_copy(void* dst, const void* src, ulong n)
; Small copies (syscall structs) move 8 bytes at a time: under TCG that is much cheaper than
; starting a rep movsb. Every instruction that touches user memory has its extable entry.
user_copy:
    cmp rdx, 128
    ja .big
    mov rcx, rdx
    shr rcx, 3
    jz .tail
.qloop:
.q_load:
    mov rax, [rsi]
.q_store:
    mov [rdi], rax
    add rsi, 8
    add rdi, 8
    dec rcx
    jnz .qloop
.tail:
    and edx, 7
    jz .done
.bloop:
.b_load:
    mov al, [rsi]
.b_store:
    mov [rdi], al
    inc rsi
    inc rdi
    dec edx
    jnz .bloop
.done:
    xor eax, eax
    ret
.big:
    mov rcx, rdx                             ; 8-byte moves, then the tail (a helper call per move under TCG)
    shr rcx, 3
.insn:
    rep movsq
    mov rcx, rdx
    and rcx, 7
.insn2:
    rep movsb
    xor eax, eax
    ret
.fix:
    mov rax, -14
    ret
EXTABLE user_copy.insn, user_copy.fix, 0
EXTABLE user_copy.insn2, user_copy.fix, 0
EXTABLE user_copy.q_load, user_copy.fix, 0
EXTABLE user_copy.q_store, user_copy.fix, 0
EXTABLE user_copy.b_load, user_copy.fix, 0
EXTABLE user_copy.b_store, user_copy.fix, 0

; long user_fill(void* dst, int value, ulong n)
user_fill:
    mov eax, esi
    mov rcx, rdx
.insn:
    rep stosb
    xor eax, eax
    ret
.fix:
    mov rax, -14
    ret
EXTABLE user_fill.insn, user_fill.fix, 0

; long user_strnlen(const char* s, ulong max): length, max if no NUL within max, or -14.
user_strnlen:
    xor eax, eax
.loop:
    cmp rax, rsi
    jae .done
.insn:
    cmp byte [rdi + rax], 0
    je .done
    inc rax
    jmp .loop
.done:
    ret
.fix:
    mov rax, -14
    ret
EXTABLE user_strnlen.insn, user_strnlen.fix, 0

; ---------------------------------------------------------------------------------------------
; Threads. switch_context(ulong* saveRsp, ulong newRsp, void* saveFx, void* loadFx): saves the
; callee-saved registers and the FPU state of the running thread, and resumes another where it
; last called switch_context (or at the entry its creator laid out). Interrupts are masked
; (Scheduler.Schedule masks them).
section .text
global switch_context, fork_return, kthread_start
switch_context:
    fxsave [rdx]
    push rbx
    push rbp
    push r12
    push r13
    push r14
    push r15
    mov [rdi], rsp
    mov rsp, rsi
    fxrstor [rcx]
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbp
    pop rbx
    ret

; First run of a thread made by fork/clone: its kernel stack holds a SyscallFrame (rbx) and its
; SSE area (r12), as syscall_entry would have left them. It leaves as a syscall does (Linux's
; ret_from_fork): an exec or exit_group of another thread since the clone ends it before its first
; instruction, and signals already pending are delivered.
extern fork_child_start
fork_return:
    mov rsp, r12
    mov rdi, rbx
    call fork_child_start
    jmp syscall_return

; The same for a child a tracer follows: on that way it stops for the tracer (its SIGSTOP or
; PTRACE_EVENT_STOP, which Ptrace.OnNewTask arranged), as Linux's child does.
traced_fork_return:
    mov rsp, r12
    mov rdi, rbx
    call fork_child_start
    jmp syscall_return

; First run of a kernel thread: r12 = function, r13 = argument. The function never returns.
kthread_start:
    mov rdi, r13
    call r12
.spin:
    cli
    hlt
    jmp .spin

section .text
global asm_syscall_symbols
asm_syscall_symbols:
    lea rax, [rel syscall_symbol_table]
    ret
section .data
syscall_symbol_table:
    dq syscall_entry, syscall_stack_top, syscall_full_restore, fork_return, kthread_start, traced_fork_return

; The vDSO image (kernel/vdso/vdso.c, built by tools/build-kernel.sh), copied into every program.
section .rodata
align 4096
global vdso_image_start, vdso_image_end
vdso_image_start:
    incbin "vdso.so"
vdso_image_end:

section .text
global asm_vdso_image
asm_vdso_image:                             ; ulong* asm_vdso_image(): { start, end }
    lea rax, [rel vdso_table]
    ret
section .data
vdso_table: dq vdso_image_start, vdso_image_end
