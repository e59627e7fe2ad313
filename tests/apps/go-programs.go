// What real Go programs do, one section at a time, printing only deterministic lines (no
// addresses, pids or times): tests/apps/go-programs.sh runs it natively and in the unikernel and
// compares stdout and the exit status. `go-programs` runs every section; `go-programs NAME...`
// runs some; `panic` panics in a goroutine (status 2), `exit3` calls os.Exit(3).
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

func check(what string, err error) {
	if err != nil {
		fmt.Printf("%s: error %v\n", what, err)
	}
}

func section(name string) { fmt.Printf("== %s\n", name) }

// exitStatus describes how a command ended, as a shell would.
func exitStatus(err error) string {
	if err == nil {
		return "status 0"
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		ws := ee.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			return "signal " + ws.Signal().String()
		}
		return fmt.Sprintf("status %d", ws.ExitStatus())
	}
	return "error " + err.Error()
}

func doExec() {
	section("exec")
	out, err := exec.Command("/bin/sh", "-c", "echo hello from sh; echo to-stderr >&2; exit 0").Output()
	fmt.Printf("sh output %q, %s\n", out, exitStatus(err))
	fmt.Println("true:", exitStatus(exec.Command("/bin/true").Run()))
	fmt.Println("exit 7:", exitStatus(exec.Command("/bin/sh", "-c", "exit 7").Run()))
	fmt.Println("kill -TERM $$:", exitStatus(exec.Command("/bin/sh", "-c", "kill -TERM $$; sleep 1").Run()))
	_, err = exec.Command("/no/such/program").Output()
	fmt.Println("missing program:", err)

	// Combined output, environment and working directory of the child.
	cmd := exec.Command("/bin/sh", "-c", "echo $GO_TEST_VAR; pwd; echo err >&2")
	cmd.Env = []string{"GO_TEST_VAR=value-from-go", "PATH=/bin:/usr/bin"}
	cmd.Dir = "/"
	out, err = cmd.CombinedOutput()
	fmt.Printf("combined %q, %s\n", out, exitStatus(err))

	// Stdin from Go, a pipe between two commands (producer | wc -l).
	cat := exec.Command("/bin/cat")
	cat.Stdin = strings.NewReader("fed through stdin\n")
	out, err = cat.Output()
	fmt.Printf("cat %q, %s\n", out, exitStatus(err))
	prod := exec.Command("/bin/sh", "-c", "i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done")
	wc := exec.Command("/usr/bin/wc", "-l")
	pr, err := prod.StdoutPipe()
	check("StdoutPipe", err)
	wc.Stdin = pr
	var wcOut bytes.Buffer
	wc.Stdout = &wcOut
	check("start producer", prod.Start())
	check("start wc", wc.Start())
	e1, e2 := prod.Wait(), wc.Wait()
	fmt.Printf("sh | wc -l: %q, %s, %s\n", strings.TrimSpace(wcOut.String()), exitStatus(e1), exitStatus(e2))

	// Lines read while the child runs; several children at once.
	lines := exec.Command("/bin/sh", "-c", "for w in alpha beta gamma; do echo $w; done")
	lp, _ := lines.StdoutPipe()
	check("start lines", lines.Start())
	sc := bufio.NewScanner(lp)
	var got []string
	for sc.Scan() {
		got = append(got, sc.Text())
	}
	fmt.Println("scanned", got, exitStatus(lines.Wait()))
	var wg sync.WaitGroup
	res := make([]string, 6)
	for i := range res {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			o, err := exec.Command("/bin/sh", "-c", fmt.Sprintf("echo child %d; exit %d", i, i)).Output()
			res[i] = strings.TrimSpace(string(o)) + " " + exitStatus(err)
		}(i)
	}
	wg.Wait()
	fmt.Println("parallel:", strings.Join(res, ", "))

	// A command killed by its context's deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	err = exec.CommandContext(ctx, "/bin/sh", "-c", "while :; do :; done").Run()
	fmt.Println("CommandContext:", exitStatus(err), ctx.Err())
}

func doSignals() {
	section("signals")
	c := make(chan os.Signal, 4)
	signal.Notify(c, syscall.SIGUSR1, syscall.SIGTERM)
	pid := os.Getpid()
	check("kill USR1", syscall.Kill(pid, syscall.SIGUSR1))
	fmt.Println("got", <-c)
	check("kill TERM", syscall.Kill(pid, syscall.SIGTERM))
	fmt.Println("got", <-c)
	// Several of the same, sent at once: at least one arrives, the rest may merge.
	for i := 0; i < 3; i++ {
		syscall.Kill(pid, syscall.SIGUSR1)
	}
	fmt.Println("got", <-c)
	time.Sleep(20 * time.Millisecond)
	for len(c) > 0 {
		<-c
	}
	signal.Stop(c)

	signal.Ignore(syscall.SIGUSR2)
	check("kill USR2", syscall.Kill(pid, syscall.SIGUSR2))
	time.Sleep(10 * time.Millisecond)
	fmt.Println("ignored SIGUSR2, still running; Ignored:", signal.Ignored(syscall.SIGUSR2))

	// tgkill to this thread, SIGHUP through a second channel, then Reset.
	h := make(chan os.Signal, 1)
	signal.Notify(h, syscall.SIGHUP)
	check("tgkill", syscall.Tgkill(pid, syscall.Gettid(), syscall.SIGHUP))
	fmt.Println("got", <-h)
	signal.Reset(syscall.SIGHUP)

	// A child started with a signal ignored inherits it (SIG_IGN survives exec).
	out, err := exec.Command("/bin/sh", "-c", "kill -USR2 $$; echo survived USR2").Output()
	fmt.Printf("child: %q %s\n", out, exitStatus(err))
	signal.Reset(syscall.SIGUSR2)

	// NotifyContext: the context is cancelled by the signal.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT)
	syscall.Kill(pid, syscall.SIGINT)
	<-ctx.Done()
	fmt.Println("NotifyContext:", ctx.Err())
	stop()
}

var sink uint64

func spin(stop *int32, n *uint64) {
	// No calls and no allocation: only asynchronous preemption (SIGURG) can stop this loop.
	x := uint64(0)
	for atomic.LoadInt32(stop) == 0 {
		x++
	}
	atomic.StoreUint64(n, x)
}

func doPreempt() {
	section("preempt")
	old := runtime.GOMAXPROCS(4)
	var stop int32
	counts := make([]uint64, 6)
	for i := range counts {
		go spin(&stop, &counts[i])
	}
	// Tickers, sleeps and a GC (stop-the-world) need the spinners preempted.
	t0 := time.Now()
	time.Sleep(50 * time.Millisecond)
	runtime.GC()
	tk := time.NewTicker(5 * time.Millisecond)
	for i := 0; i < 5; i++ {
		<-tk.C
	}
	tk.Stop()
	el := time.Since(t0)
	atomic.StoreInt32(&stop, 1)
	time.Sleep(20 * time.Millisecond)
	fmt.Println("main ran beside 6 spinners with GOMAXPROCS=4:", el < 5*time.Second)

	// One P: the sleeper only runs again once the spinner is preempted.
	runtime.GOMAXPROCS(1)
	stop = 0
	var n uint64
	go spin(&stop, &n)
	runtime.Gosched()
	time.Sleep(30 * time.Millisecond)
	atomic.StoreInt32(&stop, 1)
	for atomic.LoadUint64(&n) == 0 {
		runtime.Gosched()
	}
	fmt.Println("GOMAXPROCS=1: spinner preempted, main woke up")
	runtime.GOMAXPROCS(old)
}

func doMemory() {
	section("memory")
	debug.SetGCPercent(100)
	var ms runtime.MemStats
	// 320 MiB live at once, touched, then dropped.
	chunks := make([][]byte, 320)
	for i := range chunks {
		chunks[i] = make([]byte, 1<<20)
		for j := 0; j < len(chunks[i]); j += 4096 {
			chunks[i][j] = byte(i)
		}
	}
	sum := 0
	for i := range chunks {
		sum += int(chunks[i][4096*7])
	}
	runtime.ReadMemStats(&ms)
	fmt.Println("320 MiB live:", ms.HeapAlloc >= 320<<20, "sum", sum)
	chunks = nil
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	fmt.Println("after GC below 64 MiB:", ms.HeapAlloc < 64<<20, "NumGC>=2:", ms.NumGC >= 2)
	debug.FreeOSMemory()

	// One 256 MiB slice, then many small objects with pointers churned through several GCs.
	big := make([]uint64, 32<<20)
	for i := range big {
		big[i] = uint64(i)
	}
	var s uint64
	for _, v := range big {
		s += v
	}
	fmt.Println("256 MiB slice sum", s)
	big = nil
	type node struct {
		next *node
		val  [6]int
	}
	var head *node
	for round := 0; round < 20; round++ {
		head = nil
		for i := 0; i < 50000; i++ {
			head = &node{next: head, val: [6]int{i}}
		}
	}
	cnt := 0
	for p := head; p != nil; p = p.next {
		cnt++
	}
	runtime.GC()
	fmt.Println("list nodes", cnt)
	// A finalizer runs after the object becomes unreachable.
	done := make(chan string, 1)
	func() {
		o := &node{}
		runtime.SetFinalizer(o, func(*node) { done <- "finalizer ran" })
	}()
	for i := 0; i < 50; i++ {
		runtime.GC()
		select {
		case m := <-done:
			fmt.Println(m)
			return
		default:
			time.Sleep(5 * time.Millisecond)
		}
	}
	fmt.Println("finalizer did not run")
}

func doConcurrency() {
	section("concurrency")
	var counter int64
	var mu sync.Mutex
	total := 0
	var wg sync.WaitGroup
	for g := 0; g < 1000; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				atomic.AddInt64(&counter, 1)
			}
			mu.Lock()
			total += g
			mu.Unlock()
		}(g)
	}
	wg.Wait()
	fmt.Println("atomic counter", atomic.LoadInt64(&counter), "mutex total", total)

	// A pipeline of stages over unbuffered channels, fan-out and fan-in.
	src := make(chan int)
	go func() {
		for i := 1; i <= 10000; i++ {
			src <- i
		}
		close(src)
	}()
	sq := make(chan int, 16)
	var wg2 sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			for v := range src {
				sq <- v * v
			}
		}()
	}
	go func() { wg2.Wait(); close(sq) }()
	var sum int64
	for v := range sq {
		sum += int64(v)
	}
	fmt.Println("sum of squares 1..10000", sum)

	// sync.Cond, sync.Once, RWMutex and select with timeouts.
	var once sync.Once
	var onceN int32
	var rw sync.RWMutex
	m := map[int]int{}
	cond := sync.NewCond(&sync.Mutex{})
	ready := 0
	var wg3 sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg3.Add(1)
		go func(i int) {
			defer wg3.Done()
			once.Do(func() { atomic.AddInt32(&onceN, 1) })
			rw.Lock()
			m[i] = i * 2
			rw.Unlock()
			rw.RLock()
			_ = m[i]
			rw.RUnlock()
			cond.L.Lock()
			ready++
			cond.Broadcast()
			cond.L.Unlock()
		}(i)
	}
	cond.L.Lock()
	for ready < 50 {
		cond.Wait()
	}
	cond.L.Unlock()
	wg3.Wait()
	fmt.Println("once", onceN, "map", len(m), "cond ready", ready)
	never := make(chan int)
	select {
	case <-never:
		fmt.Println("impossible")
	case <-time.After(20 * time.Millisecond):
		fmt.Println("select timed out")
	}
	// Goroutines blocked on channels at once.
	gate := make(chan struct{})
	var blocked sync.WaitGroup
	for i := 0; i < 10000; i++ {
		blocked.Add(1)
		go func() { <-gate; blocked.Done() }()
	}
	close(gate)
	blocked.Wait()
	fmt.Println("10000 goroutines released")
}

func sha(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	h := sha256.New()
	io.Copy(h, f)
	return fmt.Sprintf("%x", h.Sum(nil))[:16]
}

func doFiles() {
	section("files")
	dir, err := os.MkdirTemp("", "gofiles-")
	check("MkdirTemp", err)
	defer os.RemoveAll(dir)
	p := func(n string) string { return filepath.Join(dir, n) }

	check("WriteFile", os.WriteFile(p("a.txt"), []byte("hello, file\n"), 0644))
	check("Mkdir", os.Mkdir(p("sub"), 0755))
	check("MkdirAll", os.MkdirAll(p("sub/deep/er"), 0700))
	for _, n := range []string{"z", "m", "b"} {
		check("create", os.WriteFile(p("sub/"+n), []byte(n), 0600))
	}
	ents, err := os.ReadDir(p("sub"))
	check("ReadDir", err)
	for _, e := range ents {
		info, _ := e.Info()
		fmt.Printf("  %s dir=%v type=%v mode=%v\n", e.Name(), e.IsDir(), e.Type(), info.Mode())
	}
	check("Rename", os.Rename(p("a.txt"), p("sub/renamed.txt")))
	_, err = os.Stat(p("a.txt"))
	fmt.Println("old name gone:", errors.Is(err, os.ErrNotExist))
	b, err := os.ReadFile(p("sub/renamed.txt"))
	fmt.Printf("renamed content %q %v\n", b, err)
	check("Chmod", os.Chmod(p("sub/renamed.txt"), 0640))
	st, err := os.Stat(p("sub/renamed.txt"))
	check("Stat", err)
	fmt.Println("mode after chmod", st.Mode(), "size", st.Size(), "regular", st.Mode().IsRegular())

	check("Symlink", os.Symlink("sub/renamed.txt", p("link")))
	target, err := os.Readlink(p("link"))
	fmt.Println("Readlink", target, err)
	lst, _ := os.Lstat(p("link"))
	fst, _ := os.Stat(p("link"))
	fmt.Println("Lstat symlink:", lst.Mode()&os.ModeSymlink != 0, "Stat follows:", fst.Mode().IsRegular(), os.SameFile(fst, st))
	real, err := filepath.EvalSymlinks(p("link"))
	fmt.Println("EvalSymlinks ends with", strings.TrimPrefix(real, dir), err)
	check("Link", os.Link(p("sub/renamed.txt"), p("hard")))
	st, _ = os.Stat(p("hard"))
	sys := st.Sys().(*syscall.Stat_t)
	fmt.Println("nlink", sys.Nlink, "uid", sys.Uid, "gid", sys.Gid, "blksize>0", sys.Blksize > 0)

	check("Truncate grow", os.Truncate(p("hard"), 10000))
	st, _ = os.Stat(p("sub/renamed.txt"))
	fmt.Println("size after truncate", st.Size())
	check("Truncate shrink", os.Truncate(p("hard"), 5))
	b, _ = os.ReadFile(p("sub/renamed.txt"))
	fmt.Printf("after shrink %q\n", b)
	mt := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	check("Chtimes", os.Chtimes(p("hard"), mt, mt))
	st, _ = os.Stat(p("hard"))
	fmt.Println("mtime", st.ModTime().UTC().Format(time.RFC3339))

	tf, err := os.CreateTemp(dir, "tmp-*.dat")
	check("CreateTemp", err)
	fmt.Println("CreateTemp in dir:", filepath.Dir(tf.Name()) == dir, strings.HasPrefix(filepath.Base(tf.Name()), "tmp-"))
	// A 24 MiB file in odd-sized writes, io.Copy'd to another, compared by hash.
	buf := make([]byte, 99991)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	w := bufio.NewWriterSize(tf, 1<<16)
	for n := 0; n < 24<<20; n += len(buf) {
		w.Write(buf)
	}
	check("flush", w.Flush())
	check("sync", tf.Sync())
	off, err := tf.Seek(0, io.SeekCurrent)
	fmt.Println("written", off, err)
	tf.Seek(0, io.SeekStart)
	out, err := os.Create(p("copy.dat"))
	check("Create", err)
	n, err := io.Copy(out, tf)
	fmt.Println("io.Copy", n, err)
	out.Close()
	tf.Close()
	fmt.Println("hashes equal:", sha(tf.Name()) == sha(p("copy.dat")), sha(p("copy.dat")))
	// ReadAt / WriteAt / O_APPEND.
	f, _ := os.OpenFile(p("copy.dat"), os.O_RDWR, 0)
	f.WriteAt([]byte("XYZ"), 1<<20)
	rb := make([]byte, 5)
	f.ReadAt(rb, 1<<20-1)
	fmt.Printf("ReadAt %q\n", rb)
	f.Close()
	af, _ := os.OpenFile(p("app.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0600)
	af.WriteString("one\n")
	af.Close()
	af, _ = os.OpenFile(p("app.log"), os.O_WRONLY|os.O_APPEND, 0)
	af.WriteString("two\n")
	af.Close()
	b, _ = os.ReadFile(p("app.log"))
	fmt.Printf("append %q\n", b)
	_, err = os.OpenFile(p("app.log"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0600)
	fmt.Println("O_EXCL:", errors.Is(err, os.ErrExist))
	err = os.Remove(p("sub"))
	fmt.Println("remove non-empty dir:", errors.Is(err, syscall.ENOTEMPTY))
	// filepath.Walk sees the tree in lexical order.
	var walked []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, path)
		if !strings.HasPrefix(rel, "tmp-") {
			walked = append(walked, rel)
		}
		return nil
	})
	fmt.Println("walk", walked)
	check("RemoveAll", os.RemoveAll(p("sub")))
	names, _ := os.ReadDir(dir)
	var ns []string
	for _, e := range names {
		if !strings.HasPrefix(e.Name(), "tmp-") {
			ns = append(ns, e.Name())
		}
	}
	sort.Strings(ns)
	fmt.Println("left", ns)
}

func doPipes() {
	section("pipes")
	r, w, err := os.Pipe()
	check("Pipe", err)
	go func() {
		chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096)
		for i := 0; i < 64; i++ {
			w.Write(chunk)
		}
		w.Close()
	}()
	h := sha256.New()
	n, err := io.Copy(h, r)
	fmt.Printf("pipe carried %d bytes %x %v\n", n, h.Sum(nil)[:8], err)
	r.Close()
	// A read deadline on a pipe (the netpoller).
	r, w, _ = os.Pipe()
	r.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	_, err = r.Read(make([]byte, 1))
	fmt.Println("pipe read deadline:", errors.Is(err, os.ErrDeadlineExceeded))
	w.Close()
	r.Close()
	// Writing to a pipe whose reader is gone: EPIPE (Go ignores SIGPIPE on other descriptors).
	r, w, _ = os.Pipe()
	r.Close()
	_, err = w.Write([]byte("x"))
	fmt.Println("write to closed pipe:", errors.Is(err, syscall.EPIPE))
	w.Close()
	// A pipe into a child's stdin and from its stdout.
	cmd := exec.Command("/usr/bin/wc", "-c")
	in, _ := cmd.StdinPipe()
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Start()
	for i := 0; i < 100; i++ {
		in.Write(bytes.Repeat([]byte("y"), 1000))
	}
	in.Close()
	st := exitStatus(cmd.Wait())
	fmt.Println("wc -c of 100000:", strings.TrimSpace(out.String()), st)
}

func doNet() {
	section("net")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen:", err)
		return
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if line == "big\n" {
						c.Write(bytes.Repeat([]byte("b"), 4<<20))
						continue
					}
					c.Write([]byte(strings.ToUpper(line)))
				}
			}(c)
		}
	}()
	c, err := net.DialTimeout("tcp", ln.Addr().String(), 2*time.Second)
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	br := bufio.NewReader(c)
	for _, s := range []string{"hello\n", "loopback\n"} {
		c.Write([]byte(s))
		line, err := br.ReadString('\n')
		fmt.Printf("echo %q %v\n", line, err)
	}
	c.Write([]byte("big\n"))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.CopyN(io.Discard, br, 4<<20)
	fmt.Println("4 MiB over TCP", n, err)
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err = br.ReadByte()
	var ne net.Error
	fmt.Println("read deadline:", errors.As(err, &ne) && ne.Timeout())
	fmt.Println("local and remote on 127.0.0.1:", c.LocalAddr().(*net.TCPAddr).IP.String(), c.RemoteAddr().(*net.TCPAddr).IP.String())
	c.Close()
	// Many connections at once.
	var wg sync.WaitGroup
	var ok int32
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				return
			}
			defer c.Close()
			fmt.Fprintf(c, "conn %d\n", i)
			c.SetDeadline(time.Now().Add(5 * time.Second))
			l, _ := bufio.NewReader(c).ReadString('\n')
			if l == fmt.Sprintf("CONN %d\n", i) {
				atomic.AddInt32(&ok, 1)
			}
		}(i)
	}
	wg.Wait()
	fmt.Println("20 concurrent connections ok:", ok)
	ln.Close()
	// A refused connection.
	l2, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l2.Addr().String()
	l2.Close()
	_, err = net.Dial("tcp", addr)
	fmt.Println("refused:", errors.Is(err, syscall.ECONNREFUSED))

	// UDP: a packet each way, and a read deadline.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("udp listen:", err)
		return
	}
	uc, err := net.Dial("udp", pc.LocalAddr().String())
	check("udp dial", err)
	uc.Write([]byte("ping"))
	buf := make([]byte, 100)
	pc.SetReadDeadline(time.Now().Add(2 * time.Second))
	un, from, err := pc.ReadFrom(buf)
	fmt.Printf("udp got %q %v\n", buf[:un], err)
	pc.WriteTo([]byte("pong"), from)
	uc.SetReadDeadline(time.Now().Add(2 * time.Second))
	un, err = uc.Read(buf)
	fmt.Printf("udp reply %q %v\n", buf[:un], err)
	pc.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	_, _, err = pc.ReadFrom(buf)
	fmt.Println("udp deadline:", errors.Is(err, os.ErrDeadlineExceeded))
	pc.Close()
	uc.Close()
	// A Unix socket pair through net.
	upath := filepath.Join(os.TempDir(), fmt.Sprintf("go-programs-%d.sock", os.Getpid()))
	ul, err := net.Listen("unix", upath)
	if err == nil {
		go func() {
			c, err := ul.Accept()
			if err == nil {
				io.Copy(c, c)
				c.Close()
			}
		}()
		c, err := net.Dial("unix", upath)
		if err == nil {
			c.Write([]byte("over unix"))
			b := make([]byte, 9)
			io.ReadFull(c, b)
			fmt.Printf("unix echo %q\n", b)
			c.Close()
		}
		ul.Close()
	}
	_, err = os.Stat(upath)
	fmt.Println("unix socket removed on close:", errors.Is(err, os.ErrNotExist))
}

func doTime() {
	section("time")
	tk := time.NewTicker(10 * time.Millisecond)
	t0 := time.Now()
	for i := 0; i < 5; i++ {
		<-tk.C
	}
	tk.Stop()
	el := time.Since(t0)
	fmt.Println("5 ticks of 10ms take 50ms or more:", el >= 45*time.Millisecond, el < 2*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Millisecond)
	defer cancel()
	t0 = time.Now()
	<-ctx.Done()
	el = time.Since(t0)
	fmt.Println("context:", ctx.Err(), errors.Is(ctx.Err(), context.DeadlineExceeded), el >= 35*time.Millisecond)
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { time.Sleep(5 * time.Millisecond); cancel2() }()
	<-ctx2.Done()
	fmt.Println("cancelled:", ctx2.Err())
	tm := time.AfterFunc(time.Hour, func() { fmt.Println("never") })
	fmt.Println("timer stopped:", tm.Stop())
	var fired int32
	time.AfterFunc(5*time.Millisecond, func() { atomic.StoreInt32(&fired, 1) })
	time.Sleep(50 * time.Millisecond)
	fmt.Println("AfterFunc fired:", atomic.LoadInt32(&fired))
	mono := time.Now()
	time.Sleep(time.Millisecond)
	fmt.Println("monotonic advances:", time.Since(mono) > 0)
	fmt.Println("UTC formatting:", time.Unix(1e9, 0).UTC().Format(time.RFC1123))
}

func doProcess() {
	section("process")
	wd, err := os.Getwd()
	check("Getwd", err)
	dir, _ := os.MkdirTemp("", "gowd-")
	defer os.RemoveAll(dir)
	check("Chdir", os.Chdir(dir))
	wd2, _ := os.Getwd()
	fmt.Println("Getwd after Chdir is the dir:", wd2 == dir)
	os.WriteFile("rel.txt", []byte("relative"), 0600)
	b, _ := os.ReadFile(filepath.Join(dir, "rel.txt"))
	fmt.Printf("relative write %q\n", b)
	check("Chdir back", os.Chdir(wd))
	wd3, _ := os.Getwd()
	fmt.Println("back:", wd3 == wd)
	hn, err := os.Hostname()
	var un syscall.Utsname
	syscall.Uname(&un)
	var node []byte
	for _, c := range un.Nodename {
		if c == 0 {
			break
		}
		node = append(node, byte(c))
	}
	fmt.Println("Hostname non-empty and uname's:", hn != "" && hn == string(node), err)
	u, err := user.Current()
	if err != nil {
		fmt.Println("user.Current:", err)
	} else {
		fmt.Println("user", u.Uid, u.Gid, u.Username, u.HomeDir)
	}
	g, err := user.LookupGroupId("0")
	if err == nil {
		fmt.Println("group 0:", g.Name)
	} else {
		fmt.Println("group 0:", err)
	}
	fmt.Println("uid", os.Getuid(), "euid", os.Geteuid(), "gid", os.Getgid(), "ppid>0", os.Getppid() > 0)
	exe, err := os.Executable()
	fmt.Println("Executable", filepath.Base(exe), err)
	fmt.Println("env:", os.Getenv("GO_PROGRAMS_TEST"))
	os.Setenv("GO_PROGRAMS_SET", "yes")
	out, _ := exec.Command("/bin/sh", "-c", "echo child sees $GO_PROGRAMS_SET").Output()
	fmt.Print(string(out))
	var rl syscall.Rlimit
	check("Getrlimit", syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl))
	fmt.Println("RLIMIT_NOFILE cur>0:", rl.Cur > 0)
	fmt.Println("args", len(os.Args) >= 1)
}

func doMmap() {
	section("mmap")
	m, err := syscall.Mmap(-1, 0, 1<<20, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		fmt.Println("mmap:", err)
		return
	}
	fmt.Println("anonymous zeroed:", m[0] == 0 && m[len(m)-1] == 0)
	for i := range m {
		m[i] = byte(i)
	}
	fmt.Println("read back", m[12345], m[len(m)-1])
	check("Mprotect", syscall.Mprotect(m, syscall.PROT_READ))
	check("Munmap", syscall.Munmap(m))
	// A file mapping: shared writes reach the file.
	f, _ := os.CreateTemp("", "gomap-")
	defer os.Remove(f.Name())
	f.Truncate(8192)
	fm, err := syscall.Mmap(int(f.Fd()), 0, 8192, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		fmt.Println("file mmap:", err)
		return
	}
	copy(fm[4096:], "written through the mapping")
	check("Msync", msync(fm))
	check("Munmap file", syscall.Munmap(fm))
	b := make([]byte, 27)
	f.ReadAt(b, 4096)
	fmt.Printf("file reads %q\n", b)
	f.Close()
	_, err = syscall.Mmap(-1, 0, 0, syscall.PROT_READ, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	fmt.Println("zero length:", err)
}

func msync(b []byte) error {
	_, _, e := syscall.Syscall(syscall.SYS_MSYNC, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), syscall.MS_SYNC)
	if e != 0 {
		return e
	}
	return nil
}
func doFaults() {
	section("faults")
	// A nil dereference becomes a recoverable panic (SIGSEGV with a small si_addr).
	func() {
		defer func() { fmt.Println("recovered:", recover()) }()
		var p *struct{ a, b int }
		fmt.Println(p.b)
	}()
	func() {
		defer func() { fmt.Println("recovered:", recover()) }()
		var a []int
		i := 5
		fmt.Println(a[i])
	}()
	func() {
		defer func() { fmt.Println("recovered:", recover()) }()
		z := 0
		fmt.Println(10 / z)
	}()
	// With SetPanicOnFault, a fault on PROT_NONE memory and a SIGBUS past the end of a mapped
	// file panic with the faulting address.
	old := debug.SetPanicOnFault(true)
	m, err := syscall.Mmap(-1, 0, 2*4096, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	check("mmap", err)
	syscall.Mprotect(m[4096:], syscall.PROT_NONE)
	base := uintptr(unsafe.Pointer(&m[0]))
	func() {
		defer func() {
			r := recover()
			a, ok := r.(interface{ Addr() uintptr })
			fmt.Println("PROT_NONE fault:", r, ok && a.Addr()-base == 4096+100)
		}()
		m[4096+100] = 1
	}()
	func() {
		defer func() {
			r := recover()
			a, ok := r.(interface{ Addr() uintptr })
			fmt.Println("write to read-only:", r, ok && a.Addr()-base == 4096+8)
		}()
		syscall.Mprotect(m[4096:], syscall.PROT_READ)
		m[4096+8] = 1
	}()
	syscall.Munmap(m)
	f, _ := os.CreateTemp("", "gobus-")
	defer os.Remove(f.Name())
	f.Write([]byte("short"))
	fm, err := syscall.Mmap(int(f.Fd()), 0, 3*4096, syscall.PROT_READ, syscall.MAP_SHARED)
	check("file mmap", err)
	fbase := uintptr(unsafe.Pointer(&fm[0]))
	func() {
		defer func() {
			r := recover()
			a, ok := r.(interface{ Addr() uintptr })
			fmt.Println("past EOF:", r, ok && a.Addr()-fbase == 8192+5)
		}()
		fmt.Println("first page", string(fm[:5]), fm[4095])
		fmt.Println(fm[8192+5])
	}()
	syscall.Munmap(fm)
	f.Close()
	debug.SetPanicOnFault(old)
	// Deep recursion grows the goroutine stack to many MiB.
	var rec func(n int) int
	rec = func(n int) int {
		var pad [64]byte
		pad[n%64] = byte(n)
		if n == 0 {
			return int(pad[0])
		}
		return rec(n-1) + int(pad[n%64]&1)
	}
	fmt.Println("recursion 1e6 deep:", rec(1000000))
}

func doIDs() {
	section("ids")
	// Setuid/Setgid/Setgroups apply to every thread (the runtime signals each one).
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			<-stop
			runtime.UnlockOSThread()
		}()
	}
	time.Sleep(10 * time.Millisecond)
	fmt.Println("Setgroups:", syscall.Setgroups([]int{0, 5, 7}))
	gs, err := syscall.Getgroups()
	fmt.Println("Getgroups:", gs, err)
	fmt.Println("Setregid:", syscall.Setregid(0, 0), "Setgid:", syscall.Setgid(0), "Setuid:", syscall.Setuid(0))
	close(stop)
	wg.Wait()
	st, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(st), "\n") {
		if strings.HasPrefix(l, "Groups:") {
			fmt.Printf("status %q\n", strings.TrimSpace(l))
		}
	}
	syscall.Setgroups([]int{0})
	// Children in a new session and a new process group.
	out, err := exec.Command("/bin/sh", "-c", "echo child").Output()
	_ = out
	cmd := exec.Command("/bin/sh", "-c", "read x; echo got $x")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Stdin = strings.NewReader("line\n")
	out, err = cmd.Output()
	fmt.Printf("Setsid child %q %s\n", out, exitStatus(err))
	cmd = exec.Command("/bin/sh", "-c", "kill -TERM 0; echo not-reached")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err = cmd.Output()
	fmt.Printf("Setpgid child kills its group: %q %s\n", out, exitStatus(err))
	// ExtraFiles: the child sees descriptor 3.
	r, w, _ := os.Pipe()
	cmd = exec.Command("/bin/sh", "-c", "echo via-fd-3 >&3")
	cmd.ExtraFiles = []*os.File{w}
	check("run", cmd.Run())
	w.Close()
	b, _ := io.ReadAll(r)
	fmt.Printf("ExtraFiles %q\n", b)
	r.Close()
	// Pdeathsig is accepted.
	cmd = exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	fmt.Println("Pdeathsig child:", exitStatus(cmd.Run()))
	// SIGCHLD through signal.Notify.
	sc := make(chan os.Signal, 4)
	signal.Notify(sc, syscall.SIGCHLD)
	exec.Command("/bin/true").Run()
	select {
	case s := <-sc:
		fmt.Println("got", s)
	case <-time.After(2 * time.Second):
		fmt.Println("no SIGCHLD")
	}
	signal.Stop(sc)
	// syscall.Exec replaces this process (a child of ours).
	self, _ := os.Executable()
	cmd = exec.Command(self, "reexec")
	out, err = cmd.Output()
	fmt.Printf("re-exec: %q %s\n", out, exitStatus(err))
}

func doFS2() {
	section("fs2")
	dir, _ := os.MkdirTemp("", "gofs2-")
	defer os.RemoveAll(dir)
	for i := 0; i < 1500; i++ {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%04d", i)), nil, 0600)
	}
	d, _ := os.Open(dir)
	total := 0
	for {
		names, err := d.Readdirnames(100)
		total += len(names)
		if err != nil {
			break
		}
	}
	d.Close()
	fmt.Println("Readdirnames in batches:", total)
	// Flock between two opens of the same file.
	p := filepath.Join(dir, "lock")
	a, _ := os.Create(p)
	b, _ := os.Open(p)
	fmt.Println("flock a:", syscall.Flock(int(a.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
	fmt.Println("flock b:", syscall.Flock(int(b.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
	a.Close()
	fmt.Println("flock b after a closed:", syscall.Flock(int(b.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
	b.Close()
	var sfs syscall.Statfs_t
	fmt.Println("Statfs:", syscall.Statfs(dir, &sfs), sfs.Bsize > 0)
	var si syscall.Sysinfo_t
	fmt.Println("Sysinfo:", syscall.Sysinfo(&si), si.Totalram > 0)
	// A FIFO opened by both ends from goroutines; reads with a deadline.
	fp := filepath.Join(dir, "fifo")
	check("Mkfifo", syscall.Mkfifo(fp, 0600))
	go func() {
		w, err := os.OpenFile(fp, os.O_WRONLY, 0)
		if err == nil {
			w.Write([]byte("through the fifo"))
			w.Close()
		}
	}()
	rf, err := os.Open(fp)
	if err == nil {
		rf.SetReadDeadline(time.Now().Add(5 * time.Second))
		bb, err := io.ReadAll(rf)
		fmt.Printf("fifo %q %v\n", bb, err)
		rf.Close()
	}
	// Fchdir, Fchmod, Fchown, Lchown and os.DirFS.
	df, _ := os.Open(dir)
	wd, _ := os.Getwd()
	check("Fchdir", syscall.Fchdir(int(df.Fd())))
	here, _ := os.Getwd()
	fmt.Println("Fchdir:", here == dir)
	os.Chdir(wd)
	df.Close()
	lf, _ := os.Create(filepath.Join(dir, "own"))
	check("Fchmod", lf.Chmod(0604))
	check("Fchown", lf.Chown(1, 2))
	st, _ := lf.Stat()
	fmt.Println("Fchmod/Fchown:", st.Mode(), st.Sys().(*syscall.Stat_t).Uid, st.Sys().(*syscall.Stat_t).Gid)
	lf.Close()
	os.Symlink("own", filepath.Join(dir, "ownlink"))
	check("Lchown", os.Lchown(filepath.Join(dir, "ownlink"), 3, 4))
	lst, _ := os.Lstat(filepath.Join(dir, "ownlink"))
	fmt.Println("Lchown:", lst.Sys().(*syscall.Stat_t).Uid, lst.Sys().(*syscall.Stat_t).Gid)
	// os.ReadDir of /proc/self/fd sees our descriptors; /proc/self/exe is us.
	ents, err := os.ReadDir("/proc/self/fd")
	fmt.Println("/proc/self/fd has 0,1,2:", err == nil && len(ents) >= 3)
	exe, _ := os.Readlink("/proc/self/exe")
	me, _ := os.Executable()
	fmt.Println("/proc/self/exe:", exe == me)
}

func doNet2() {
	section("net2")
	// Dual-stack listener on all addresses; dials through "localhost" (/etc/hosts).
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		fmt.Println("listen :0:", err)
		return
	}
	port := ln.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	for _, host := range []string{"127.0.0.1", "localhost", "::1"} {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(host, fmt.Sprint(port)), 2*time.Second)
		if err != nil {
			fmt.Println("dial", host, err)
			continue
		}
		c.Write([]byte("x"))
		b := make([]byte, 1)
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err = c.Read(b)
		fmt.Println("dial", host, "echo", string(b), err)
		c.Close()
	}
	// Whether /etc/hosts also names ::1 localhost differs between systems: only 127.0.0.1 is printed.
	addrs, err := net.LookupHost("localhost")
	has4 := false
	for _, a := range addrs {
		has4 = has4 || a == "127.0.0.1"
	}
	fmt.Println("LookupHost localhost has 127.0.0.1:", has4, err)
	// A TCP proxy: io.Copy between two TCP connections (splice), and a file sent over TCP (sendfile).
	up, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() {
		c, err := up.Accept()
		if err != nil {
			return
		}
		n, _ := io.Copy(io.Discard, c)
		fmt.Fprintf(c, "%d", n)
		c.Close()
	}()
	px, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() {
		c, err := px.Accept()
		if err != nil {
			return
		}
		u, err := net.Dial("tcp", up.Addr().String())
		if err != nil {
			return
		}
		go func() { io.Copy(c, u); c.(*net.TCPConn).CloseWrite() }()
		io.Copy(u, c)
		u.(*net.TCPConn).CloseWrite()
	}()
	f, _ := os.CreateTemp("", "gosend-")
	defer os.Remove(f.Name())
	f.Write(bytes.Repeat([]byte("sendfile"), 3<<17))
	f.Seek(0, io.SeekStart)
	c, err := net.Dial("tcp", px.Addr().String())
	if err == nil {
		n, err := io.Copy(c, f)
		fmt.Println("sent file through proxy", n, err)
		c.(*net.TCPConn).CloseWrite()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, err := io.ReadAll(c)
		fmt.Printf("upstream counted %s %v\n", b, err)
		c.Close()
	}
	f.Close()
	up.Close()
	px.Close()
	ln.Close()
	// Keepalive and no-delay options.
	l3, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() {
		c, err := l3.Accept()
		if err == nil {
			time.Sleep(50 * time.Millisecond)
			c.Close()
		}
	}()
	c3, err := net.Dial("tcp", l3.Addr().String())
	if err == nil {
		tc := c3.(*net.TCPConn)
		fmt.Println("SetKeepAlive:", tc.SetKeepAlive(true), tc.SetKeepAlivePeriod(30*time.Second), "SetNoDelay:", tc.SetNoDelay(false),
			"SetLinger:", tc.SetLinger(0), "buffers:", tc.SetReadBuffer(1<<16), tc.SetWriteBuffer(1<<16))
		c3.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = c3.Read(make([]byte, 1))
		fmt.Println("peer closed:", err == io.EOF)
		c3.Close()
	}
	l3.Close()
	// Interfaces through netlink: the loopback is up.
	ifs, err := net.Interfaces()
	lo := false
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback != 0 && i.Flags&net.FlagUp != 0 {
			as, _ := i.Addrs()
			for _, a := range as {
				lo = lo || a.String() == "127.0.0.1/8"
			}
		}
	}
	fmt.Println("loopback interface up with 127.0.0.1/8:", lo, err)
}

func doProfile() {
	section("profile")
	// CPU profiling uses per-thread CPU-time timers (timer_create with SIGEV_THREAD_ID).
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		fmt.Println("StartCPUProfile:", err)
		return
	}
	t0 := time.Now()
	x := 0
	for time.Since(t0) < 300*time.Millisecond {
		for i := 0; i < 100000; i++ {
			x += i
		}
	}
	sink = uint64(x)
	pprof.StopCPUProfile()
	// The profile is gzipped protobuf; its string table names only functions that were sampled.
	zr, err := gzip.NewReader(&buf)
	if err != nil {
		fmt.Println("profile:", err)
		return
	}
	raw, err := io.ReadAll(zr)
	fmt.Println("profile sampled main.doProfile:", bytes.Contains(raw, []byte("main.doProfile")), err)
}

var sections = []struct {
	name string
	fn   func()
}{
	{"exec", doExec}, {"signals", doSignals}, {"preempt", doPreempt}, {"memory", doMemory},
	{"concurrency", doConcurrency}, {"files", doFiles}, {"pipes", doPipes}, {"net", doNet},
	{"time", doTime}, {"process", doProcess}, {"mmap", doMmap}, {"faults", doFaults}, {"ids", doIDs},
	{"fs2", doFS2}, {"net2", doNet2}, {"profile", doProfile},
}

func main() {
	args := os.Args[1:]
	if len(args) == 1 && args[0] == "panic" {
		fmt.Println("about to panic in a goroutine")
		done := make(chan bool)
		go func() {
			defer close(done)
			var m map[string]int
			if len(args) > 0 {
				panic(fmt.Sprintf("boom from a goroutine (%d)", len(args)))
			}
			m["x"] = 1
		}()
		<-done
		time.Sleep(time.Second)
		fmt.Println("not reached")
		return
	}
	if len(args) == 1 && args[0] == "reexec" {
		err := syscall.Exec("/bin/sh", []string{"sh", "-c", "echo exec replaced the Go process"}, os.Environ())
		fmt.Println("Exec:", err)
		os.Exit(1)
	}
	if len(args) == 1 && args[0] == "exit3" {
		defer fmt.Println("deferred calls do not run on os.Exit")
		fmt.Println("exiting with 3")
		os.Exit(3)
	}
	for _, s := range sections {
		if len(args) > 0 {
			found := false
			for _, a := range args {
				found = found || a == s.name
			}
			if !found {
				continue
			}
		}
		s.fn()
	}
	fmt.Println("== done")
}
