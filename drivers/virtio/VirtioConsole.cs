// virtio-console (virtio 1.x, 5.3) over any transport that hands us virtqueues: the program's
// stdin, stdout and stderr. With VIRTIO_CONSOLE_F_MULTIPORT each stream is its own port
// (ops: 1 stdin, 2 stdout, 3 stderr; port 0, a plain virtconsole, stands in for a missing
// stdin or stdout), so the host closing stdin (QEMU: VIRTIO_CONSOLE_PORT_OPEN 0 when its
// chardev reads end of file) is end of input and touches no output port. Without multiport,
// port 0 carries stdin and stdout and input never ends.
//
// Input is demand-driven: receive buffers are posted only when a reader (or a poller) finds the
// ring empty, sized by what it asked for, and never more than the ring has room for. QEMU reads
// its chardev only into posted buffers, so the host's stdin is consumed no faster than the
// program reads it and a program that never reads stdin consumes nothing of it.
// Output copies into a transmit buffer, kicks, and waits until the device has taken it (under
// TCG the kick itself writes to the chardev; a throttled port completes later with an
// interrupt), so nothing is still queued in the guest when the kernel powers off.
using Kernel.Arch;
using Kernel.Memory;

namespace Kernel.Drivers.Virtio
{
    internal sealed unsafe class VirtioConsole
    {
        public const uint DeviceId = 3;
        private const int FeatureMultiport = 1;
        // Control events (5.3.6.2).
        private const ushort DeviceReady = 0, DeviceAdd = 1, DeviceRemove = 2, PortReady = 3, PortOpen = 6;
        public const int StdinPort = 1, StdoutPort = 2, StderrPort = 3, SignalPort = 4;
        private const int MaxPorts = 5;                      // ports 0-3: the standard streams and a virtconsole; 4: signals from ops
        private const int SignalBuffers = 4, SignalBufferSize = 64;

        private const int RxBuffers = 16, RxBufferSize = 4096;   // QEMU moves at most 4096 bytes per chardev read
        private const int RingSize = 65536;                  // received, not yet read (a pipe's capacity)
        private const int TxBuffers = 4, TxBufferSize = 16384;   // one write chunk (SysFile.ChunkSize) per buffer
        private const int ControlRx = 32, ControlMsgSize = 128, ControlTx = 8;
        private const ulong HandshakeQuietNs = 10_000_000, HandshakeMaxNs = 200_000_000;

        public static VirtioConsole Instance;

        private sealed class TxPort
        {
            public Virtqueue Q;
            public byte* Buffers;
            public ushort* Free;
            public int FreeCount;
        }

        private readonly VirtioTransport _dev;
        private bool _multiport;
        private int _maxPorts;
        private uint _added, _hostOpen, _openKnown;          // bit per port id
        private Virtqueue _crx, _ctx;
        private byte* _crxBuffers, _ctxBuffers;
        private ushort* _ctxFree;
        private int _ctxFreeCount;
        private ulong _lastControlNs;
        private Virtqueue _rx0, _rx1;                        // receive queues of ports 0 and 1 (set up before roles are known)
        private Virtqueue _rxSignals;                        // port 4: one byte per signal ops forwards (its own SIGINT, SIGTERM...)
        private byte* _signalBuffers;
        private TxPort _tx0, _tx2, _tx3;

        // The input port once roles are decided: its queue, buffers and the byte ring readers drain.
        private Virtqueue _rx;
        private int _inputPort = -1, _stdoutPort = -1, _stderrPort = -1;
        private byte* _rxBuffers;
        private ushort* _rxFree;
        private int _rxFreeCount;
        private int* _rxPosted;                              // bytes posted per descriptor (0: not posted)
        private int _outstanding;                            // bytes of receive buffer the device may still fill
        private byte* _ring;
        private int _ringHead, _ringCount;
        private readonly WaitQueue _txWaiters = new WaitQueue();
        public int Vector;

        /// <summary>Called (interrupt context) when input arrived or input ended.</summary>
        public delegate*<void> OnInput;

        /// <summary>When set (the input is a terminal), filters each received buffer in place and returns its new length: the line discipline's ^C.</summary>
        public delegate*<byte*, int, int> InputFilter;

        /// <summary>Called (interrupt context) with each signal number the host sends on the signal port.</summary>
        public delegate*<int, void> OnHostSignal;

        private VirtioConsole(VirtioTransport dev) { _dev = dev; }

        /// <summary>Probe callback for the transport scan: starts the first console device.</summary>
        public static void Probe(VirtioTransport dev)
        {
            if (dev.DeviceId != DeviceId || Instance != null) return;
            var c = new VirtioConsole(dev);
            bool interrupts = Native.SaveAndCli();           // the handshake below polls; no handler may run meanwhile
            bool ok = c.Start();
            if (!ok) dev.Status = VirtioTransport.StatusFailed;
            else Instance = c;
            Native.RestoreInterrupts(interrupts);
        }

        private bool Start()
        {
            string refused = _dev.Negotiate(1UL << FeatureMultiport | 1UL << VirtioTransport.FeatureEventIdx, out ulong features);
            if (refused != null) return Fail(refused);
            _multiport = (features & 1UL << FeatureMultiport) != 0;
            bool eventIdx = (features & 1UL << VirtioTransport.FeatureEventIdx) != 0;
            if (_multiport)
            {
                uint max = (uint)_dev.ConfigByte(4) | (uint)_dev.ConfigByte(5) << 8 | (uint)_dev.ConfigByte(6) << 16 | (uint)_dev.ConfigByte(7) << 24;
                _maxPorts = max < MaxPorts ? (int)max : MaxPorts;
            }
            else _maxPorts = 1;
            // Before the queues: virtio-pci binds each queue to the MSI-X vector as it is set up.
            // Interrupts are masked here; whatever arrives meanwhile is taken after Start.
            Vector = _dev.AttachInterrupt(&OnInterrupt, this);
            if (Vector == 0) return Fail("no interrupt for the device");   // readers would sleep forever

            // Queues: port 0 = 0/1, control = 2/3, port n >= 1 = 2n+2 / 2n+3. Rings for every queue a
            // role may use; the data buffers come once roles are known.
            _rx0 = NewQueue(0, RxBuffers, eventIdx);
            _tx0 = NewTx(1, eventIdx);
            if (_rx0 == null || _tx0 == null) return Fail("out of memory for the rings");
            if (_multiport)
            {
                _crx = NewQueue(2, ControlRx, eventIdx);
                _ctx = NewQueue(3, ControlTx, eventIdx);
                if (_crx == null || _ctx == null) return Fail("out of memory for the control rings");
                if (_maxPorts > StdinPort) _rx1 = NewQueue(2 * StdinPort + 2, RxBuffers, eventIdx);
                if (_maxPorts > StdoutPort) _tx2 = NewTx(2 * StdoutPort + 3, eventIdx);
                if (_maxPorts > StderrPort) _tx3 = NewTx(2 * StderrPort + 3, eventIdx);
                if (_maxPorts > SignalPort) _rxSignals = NewQueue(2 * SignalPort + 2, SignalBuffers, eventIdx);
                if (!ControlBuffers()) return Fail("out of memory for the control buffers");
                if (_rxSignals != null && !SignalPortBuffers()) return Fail("out of memory for the signal port");
            }
            _dev.Status = (byte)(_dev.Status | VirtioTransport.StatusDriverOk);

            if (_multiport) Handshake();
            else { _added = 1; _hostOpen = 1; _openKnown = 1; }
            if (!ChooseRoles()) return Fail("out of memory for the buffers");

            _started = true;
            Service();                                       // anything that arrived before (edge-triggered)

            Log.Write("compat: virtio-console");
            _dev.LogLocation();
            Log.Write(_multiport ? ", multiport:" : ", single port:");
            LogRole(" stdin ", _inputPort);
            LogRole(" stdout ", _stdoutPort);
            LogRole(" stderr ", _stderrPort);
            Log.Write(eventIdx ? ", event index\n" : "\n");
            return true;
        }

        private static void LogRole(string name, int port)
        {
            Log.Write(name);
            if (port < 0) Log.Write("-");
            else Log.Dec((ulong)port);
        }

        private bool Fail(string why)
        {
            Log.Write("compat: virtio-console: ");
            Log.WriteLine(why);
            return false;
        }

        private Virtqueue NewQueue(int index, int want, bool eventIdx)
        {
            ushort max = _dev.QueueMax(index);
            if (max == 0) return null;
            var q = new Virtqueue(index, max < want ? max : (ushort)want);
            q.EventIdx = eventIdx;
            if (!q.Allocate()) return null;
            _dev.SetupQueue(q);
            return q;
        }

        private TxPort NewTx(int index, bool eventIdx)
        {
            var q = NewQueue(index, TxBuffers, eventIdx);
            return q == null ? null : new TxPort { Q = q };
        }

        private static ulong AllocDma(ulong bytes)
        {
            ulong pages = (bytes + 4095) / 4096;
            ulong phys = Mm.Pages.Alloc(pages);
            if (phys != 0) Mem.Zero(Mm.PhysToVirt(phys), pages * 4096);
            return phys;
        }

        private bool ControlBuffers()
        {
            ulong rx = AllocDma((ulong)_crx.Size * ControlMsgSize), tx = AllocDma((ulong)_ctx.Size * 16);
            if (rx == 0 || tx == 0) return false;
            _crxBuffers = (byte*)Mm.PhysToVirt(rx);
            _ctxBuffers = (byte*)Mm.PhysToVirt(tx);
            _ctxFree = (ushort*)Mm.KernelHeap.Alloc((ulong)_ctx.Size * 2);
            for (ushort i = 0; i < _ctx.Size; i++)
            {
                _ctx.Desc[i].Addr = tx + (ulong)i * 16;
                _ctx.Desc[i].Flags = 0;
                _ctxFree[_ctxFreeCount++] = i;
            }
            PostAll(_crx, rx, ControlMsgSize);
            return true;
        }

        /// <summary>Posts every descriptor of <paramref name="q"/> as a device-writable buffer of <paramref name="size"/> bytes, consecutive from <paramref name="phys"/>.</summary>
        private static void PostAll(Virtqueue q, ulong phys, int size)
        {
            for (ushort i = 0; i < q.Size; i++)
            {
                q.Desc[i].Addr = phys + (ulong)i * (ulong)size;
                q.Desc[i].Len = (uint)size;
                q.Desc[i].Flags = Virtqueue.DescWrite;
                q.Push(i);
            }
        }

        /// <summary>
        /// DEVICE_READY, then PORT_READY and PORT_OPEN for each port the device adds. Polled: under
        /// TCG the device answers within the kick; an asynchronous device gets until the control
        /// queue has been quiet a while (the interrupt handler takes whatever comes later).
        /// </summary>
        private void Handshake()
        {
            _crx.ArmAndCheckEmpty();
            _crx.Kick(0);
            SendControl(0, DeviceReady, 1);
            ulong start = Tsc.MonotonicNs();
            _lastControlNs = start;
            uint standard = 1u << StdinPort | 1u << StdoutPort | 1u << StderrPort;
            while (true)
            {
                ServiceControl();
                if ((_added & standard) == standard && (_openKnown & (1u << StdinPort)) != 0) break;
                ulong now = Tsc.MonotonicNs();
                if (now - _lastControlNs > HandshakeQuietNs || now - start > HandshakeMaxNs) break;
                Native.Pause();
            }
        }

        /// <summary>stdin and stdout on the standard ports, else port 0; stderr only on its own port.</summary>
        private bool ChooseRoles()
        {
            if (Has(StdinPort) && _rx1 != null) { _inputPort = StdinPort; _rx = _rx1; }
            else if (Has(0)) { _inputPort = 0; _rx = _rx0; }
            if (Has(StdoutPort) && _tx2 != null) _stdoutPort = StdoutPort;
            else if (Has(0)) _stdoutPort = 0;
            if (Has(StderrPort) && _tx3 != null) _stderrPort = StderrPort;

            if (_inputPort >= 0)
            {
                ulong phys = AllocDma((ulong)_rx.Size * RxBufferSize);
                _ring = (byte*)Mm.KernelHeap.Alloc(RingSize);
                _rxFree = (ushort*)Mm.KernelHeap.Alloc((ulong)_rx.Size * 2);
                _rxPosted = (int*)Mm.KernelHeap.Alloc((ulong)_rx.Size * 4);
                if (phys == 0 || _ring == null || _rxFree == null || _rxPosted == null) return false;
                _rxBuffers = (byte*)Mm.PhysToVirt(phys);
                for (ushort i = 0; i < _rx.Size; i++)
                {
                    _rx.Desc[i].Addr = phys + (ulong)i * RxBufferSize;
                    _rx.Desc[i].Flags = Virtqueue.DescWrite;
                    _rxPosted[i] = 0;
                    _rxFree[_rxFreeCount++] = i;
                }
                _rx.ArmAndCheckEmpty();
            }
            if (_stdoutPort >= 0 && !TxBuffersFor(Tx(_stdoutPort))) return false;
            if (_stderrPort >= 0 && !TxBuffersFor(Tx(_stderrPort))) return false;
            return true;
        }

        /// <summary>Posts the signal port's buffers once, whether or not the host ever opens it.</summary>
        private bool SignalPortBuffers()
        {
            ulong phys = AllocDma((ulong)_rxSignals.Size * SignalBufferSize);
            if (phys == 0) return false;
            _signalBuffers = (byte*)Mm.PhysToVirt(phys);
            PostAll(_rxSignals, phys, SignalBufferSize);
            _rxSignals.ArmAndCheckEmpty();
            return true;
        }

        private void ServiceSignals()
        {
            if (_rxSignals == null) return;
            do
            {
                while (_rxSignals.PopUsed(out ushort head, out uint len))
                {
                    if (head >= _rxSignals.Size) continue;
                    byte* b = _signalBuffers + (ulong)head * SignalBufferSize;
                    for (uint i = 0; i < len && i < SignalBufferSize; i++)
                        if (OnHostSignal != null) OnHostSignal(b[i]);
                    ushort before = _rxSignals.AvailIndex;
                    _rxSignals.Push(head);
                    _rxSignals.Kick(before);
                }
            } while (!_rxSignals.ArmAndCheckEmpty());
        }

        private bool Has(int port) => port < _maxPorts && (_added & (1u << port)) != 0;

        private TxPort Tx(int port) => port == 0 ? _tx0 : port == StdoutPort ? _tx2 : port == StderrPort ? _tx3 : null;

        private static bool TxBuffersFor(TxPort t)
        {
            ulong phys = AllocDma((ulong)t.Q.Size * TxBufferSize);
            t.Free = (ushort*)Mm.KernelHeap.Alloc((ulong)t.Q.Size * 2);
            if (phys == 0 || t.Free == null) return false;
            t.Buffers = (byte*)Mm.PhysToVirt(phys);
            for (ushort i = 0; i < t.Q.Size; i++)
            {
                t.Q.Desc[i].Addr = phys + (ulong)i * TxBufferSize;
                t.Q.Desc[i].Flags = 0;
                t.Free[t.FreeCount++] = i;
            }
            return true;
        }

        // ---- control queue -----------------------------------------------------------------

        private void SendControl(uint port, ushort ev, ushort value)
        {
            ReclaimControl();
            // An asynchronous device may still hold every buffer: give it a moment, then drop.
            for (int i = 0; i < 100000 && _ctxFreeCount == 0; i++) { Native.Pause(); ReclaimControl(); }
            if (_ctxFreeCount == 0) { Log.WriteLine("compat: virtio-console: control queue full; message dropped"); return; }
            ushort d = _ctxFree[--_ctxFreeCount];
            byte* m = _ctxBuffers + (ulong)d * 16;
            *(uint*)m = port;
            *(ushort*)(m + 4) = ev;
            *(ushort*)(m + 6) = value;
            _ctx.Desc[d].Len = 8;
            ushort before = _ctx.AvailIndex;
            _ctx.Push(d);
            _ctx.Kick(before);
        }

        private void ReclaimControl()
        {
            while (_ctx.PopUsed(out ushort head, out _))
                if (head < _ctx.Size) _ctxFree[_ctxFreeCount++] = head;
        }

        private void ServiceControl()
        {
            if (_crx == null) return;
            do
            {
                while (_crx.PopUsed(out ushort head, out uint len))
                {
                    if (head >= _crx.Size) continue;
                    byte* m = _crxBuffers + (ulong)head * ControlMsgSize;
                    uint id = *(uint*)m;
                    ushort ev = *(ushort*)(m + 4), value = *(ushort*)(m + 6);
                    ushort before = _crx.AvailIndex;
                    _crx.Push(head);                          // re-post first: the answer to our reply needs a buffer
                    _crx.Kick(before);
                    _lastControlNs = Tsc.MonotonicNs();
                    if (len >= 8) Control(id, ev, value);
                }
            } while (!_crx.ArmAndCheckEmpty());
        }

        private void Control(uint id, ushort ev, ushort value)
        {
            if (id >= (uint)_maxPorts) return;               // a port we set no queues up for: leave it unanswered
            uint bit = 1u << (int)id;
            switch (ev)
            {
                case DeviceAdd:
                    _added |= bit;
                    SendControl(id, PortReady, 1);
                    SendControl(id, PortOpen, 1);            // guest side open: the device may now write to us
                    break;
                case DeviceRemove:
                    _added &= ~bit;
                    _hostOpen &= ~bit;
                    if ((int)id == _inputPort && OnInput != null) OnInput();
                    break;
                case PortOpen:
                    _openKnown |= bit;
                    if (value != 0) _hostOpen |= bit;
                    else _hostOpen &= ~bit;
                    if ((int)id == _inputPort && OnInput != null) OnInput();   // end of input (or input again)
                    break;
            }
        }

        // ---- interrupt ---------------------------------------------------------------------

        private bool _started;

        /// <summary>Ignored until Start has finished (an INTx line may be shared with a running device).</summary>
        private static void OnInterrupt(object self)
        {
            var c = (VirtioConsole)self;
            if (c._started) c.Service();
        }

        /// <summary>Control messages, received input and finished transmissions. Interrupt context, or kernel code with interrupts masked.</summary>
        public void Service()
        {
            _dev.AckInterrupt();
            ServiceControl();
            ServiceSignals();
            if (DrainInput() && OnInput != null) OnInput();
            if (InputFilter != null) KeepTerminalInputPosted();
            bool freed = false;
            if (_tx0 != null && _tx0.Free != null) freed |= Reclaim(_tx0);
            if (_tx2 != null && _tx2.Free != null) freed |= Reclaim(_tx2);
            if (_tx3 != null && _tx3.Free != null) freed |= Reclaim(_tx3);
            if (freed && !_txWaiters.IsEmpty) _txWaiters.WakeAll();
        }

        public ulong MissedInterrupts, MissedKicks;
        private ushort _tickUsed0, _tickUsed2, _tickUsed3, _tickRxUsed;
        private int _rxQuietTicks;

        /// <summary>
        /// From the scheduler tick, the same guard against lost notifications as virtio-net's: used
        /// buffers no interrupt told us about are serviced, a transmit queue holding buffers that
        /// made no progress for a whole tick is notified again (a writer would otherwise wait for
        /// ever), and so is a receive queue with posted buffers, every tenth quiet tick (the host
        /// may simply have nothing to send).
        /// </summary>
        public void Watchdog()
        {
            bool missed = (_rx != null && _rx.DeviceUsedIndex != _rx.LastUsed) ||
                          (_crx != null && _crx.DeviceUsedIndex != _crx.LastUsed) ||
                          (_rxSignals != null && _rxSignals.DeviceUsedIndex != _rxSignals.LastUsed) ||
                          (_txWaiters.IsEmpty == false && (Unreclaimed(_tx0) || Unreclaimed(_tx2) || Unreclaimed(_tx3)));
            if (missed) { if (MissedInterrupts++ == 0) Log.WriteLine("compat: virtio-console: used buffers with no interrupt; serviced from the tick"); Service(); }
            StalledTx(_tx0, ref _tickUsed0);
            StalledTx(_tx2, ref _tickUsed2);
            StalledTx(_tx3, ref _tickUsed3);
            if (_rx == null || _outstanding == 0) { _rxQuietTicks = 0; return; }
            ushort used = _rx.DeviceUsedIndex;
            if (used != _tickRxUsed) { _tickRxUsed = used; _rxQuietTicks = 0; return; }
            if (++_rxQuietTicks % 10 == 0) { MissedKicks++; _rx.ForceNotify(); }
        }

        private static bool Unreclaimed(TxPort t) => t != null && t.Free != null && t.Q.DeviceUsedIndex != t.Q.LastUsed;

        private void StalledTx(TxPort t, ref ushort tickUsed)
        {
            if (t == null || t.Free == null) return;
            ushort used = t.Q.DeviceUsedIndex;
            if (t.Q.AvailIndex != used && used == tickUsed)
            {
                if (MissedKicks++ == 0) Log.WriteLine("compat: virtio-console: output queue stalled a tick; notified again");
                t.Q.ForceNotify();
            }
            tickUsed = used;
        }

        // ---- input -------------------------------------------------------------------------

        public bool HasInput => _inputPort >= 0;

        /// <summary>The host closed the input port (end of file) and every received byte has been read.</summary>
        public bool InputEnded
        {
            get
            {
                DrainInput();
                return _ringCount == 0 && (_hostOpen & (1u << _inputPort)) == 0;
            }
        }

        public int Buffered { get { DrainInput(); return _ringCount; } }

        /// <summary>Moves what the device wrote into the ring; true if anything came.</summary>
        private bool DrainInput()
        {
            if (_rx == null) return false;
            bool any = false;
            do
            {
                while (_rx.PopUsed(out ushort head, out uint len))
                {
                    if (head >= _rx.Size) continue;
                    int posted = _rxPosted[head];
                    int n = (int)len < posted ? (int)len : posted;
                    if (n > RingSize - _ringCount) n = RingSize - _ringCount;   // cannot happen: posting keeps room
                    int tail = (_ringHead + _ringCount) % RingSize;
                    byte* src = _rxBuffers + (ulong)head * RxBufferSize;
                    if (InputFilter != null) n = InputFilter(src, n);
                    int first = n < RingSize - tail ? n : RingSize - tail;
                    Mem.Copy(_ring + tail, src, (ulong)first);
                    if (n > first) Mem.Copy(_ring, src + first, (ulong)(n - first));
                    _ringCount += n;
                    _outstanding -= posted;
                    _rxPosted[head] = 0;
                    _rxFree[_rxFreeCount++] = head;
                    any = true;
                }
            } while (!_rx.ArmAndCheckEmpty());
            return any;
        }

        /// <summary>Copies up to <paramref name="n"/> received bytes out of the ring.</summary>
        public int Read(byte* dst, int n)
        {
            DrainInput();
            if (n > _ringCount) n = _ringCount;
            int first = n < RingSize - _ringHead ? n : RingSize - _ringHead;
            Mem.Copy(dst, _ring + _ringHead, (ulong)first);
            if (n > first) Mem.Copy(dst + first, _ring, (ulong)(n - first));
            _ringHead = (_ringHead + n) % RingSize;
            _ringCount -= n;
            return n;
        }

        /// <summary>
        /// A terminal's input is taken as it is typed, read or not (Linux's tty buffer holds 4 KiB):
        /// ^C must reach the line discipline while the program is busy elsewhere.
        /// </summary>
        public void KeepTerminalInputPosted()
        {
            const int TtyBuffer = 4096;
            if (_ringCount < TtyBuffer) Request(TtyBuffer - _ringCount);
        }

        /// <summary>
        /// A reader wants <paramref name="want"/> bytes and the ring is short of them: let the device
        /// fill up to that much (never more than the ring can take). Nothing once the host closed.
        /// </summary>
        public void Request(int want)
        {
            if (_rx == null || (_hostOpen & (1u << _inputPort)) == 0) return;
            if (want > RingSize) want = RingSize;
            ushort before = _rx.AvailIndex;
            bool posted = false;
            while (_outstanding < want && _rxFreeCount > 0)
            {
                int room = RingSize - _ringCount - _outstanding;
                if (room <= 0) break;
                int len = want - _outstanding;
                if (len > RxBufferSize) len = RxBufferSize;
                if (len > room) len = room;
                ushort d = _rxFree[--_rxFreeCount];
                _rx.Desc[d].Len = (uint)len;
                _rxPosted[d] = len;
                _outstanding += len;
                _rx.Push(d);
                posted = true;
            }
            if (posted) _rx.Kick(before);
        }

        // ---- output ------------------------------------------------------------------------

        /// <summary>True when stream <paramref name="fd"/> (1 stdout, 2 stderr) has a port.</summary>
        public bool HasOutput(int fd) => fd == 1 ? _stdoutPort >= 0 : fd == 2 && _stderrPort >= 0;

        private static bool Reclaim(TxPort t)
        {
            bool any = false;
            while (t.Q.PopUsed(out ushort head, out _))
                if (head < t.Q.Size) { t.Free[t.FreeCount++] = head; any = true; }
            return any;
        }

        /// <summary>Writes all of <paramref name="n"/> bytes to stream <paramref name="fd"/>; returns once the device has taken them.</summary>
        public void Write(int fd, byte* p, ulong n)
        {
            TxPort t = Tx(fd == 1 ? _stdoutPort : _stderrPort);
            while (n > 0)
            {
                Reclaim(t);
                if (t.FreeCount == 0) { WaitTx(t); continue; }
                ushort d = t.Free[--t.FreeCount];
                uint chunk = n < TxBufferSize ? (uint)n : TxBufferSize;
                Mem.Copy(t.Buffers + (ulong)d * TxBufferSize, p, chunk);
                t.Q.Desc[d].Len = chunk;
                ushort before = t.Q.AvailIndex;
                t.Q.Push(d);
                t.Q.Kick(before);
                p += chunk;
                n -= chunk;
            }
            // Wait for the device to drain the port: a write is done when the host has it.
            while (true)
            {
                Reclaim(t);
                if (t.FreeCount == t.Q.Size) break;
                WaitTx(t);
            }
        }

        /// <summary>Until the device returns a transmit buffer: asleep when a thread can sleep, else spinning on the used ring.</summary>
        private void WaitTx(TxPort t)
        {
            if (!t.Q.ArmAndCheckEmpty()) return;             // something finished meanwhile
            if (Thread.Current == null || Scheduler.IsIdle) { Native.Pause(); return; }
            // Not interruptible: the data is already the device's. The deadline guards a lost interrupt.
            Scheduler.Sleep(_txWaiters, Tsc.MonotonicNs() + 50_000_000, interruptible: false);
        }
    }
}
