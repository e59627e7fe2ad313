// The kernel's side of the network: one NetStack (kernel/net/portable), the virtio-net device as its
// Ethernet interface, received frames fed in from the device interrupt, the stack's timers run from
// the scheduler tick, and socket readiness changes turned into poll wake-ups.
using Kernel.Drivers;
using Kernel.Drivers.Virtio;
using Kernel.Net;

namespace Kernel
{
    internal sealed unsafe class VirtioNetDevice : NetDevice
    {
        private readonly VirtioNet _nic;

        public VirtioNetDevice(VirtioNet nic)
        {
            _nic = nic;
            Mac = new byte[6];
            for (int i = 0; i < 6; i++) Mac[i] = nic.Mac[i];
            TxChecksum = nic.TxChecksum;
            Tso4 = nic.Tso4;
            Tso6 = nic.Tso6;
        }

        public override bool Transmit(System.ReadOnlySpan<byte> frame)
        {
            fixed (byte* p = frame) return _nic.Transmit(p, frame.Length);
        }

        public override bool Transmit(System.ReadOnlySpan<byte> frame, in NetOffload o)
        {
            fixed (byte* p = frame)
                return _nic.Transmit(p, frame.Length, o.NeedsChecksum ? VirtioNet.HdrNeedsCsum : (byte)0, (byte)o.GsoType,
                    (ushort)o.HeaderLength, (ushort)o.GsoSize, (ushort)o.CsumStart, (ushort)o.CsumOffset);
        }
    }

    internal static unsafe class NetService
    {
        public static NetStack Stack;
        public static NetInterface Ethernet;
        private static bool s_announcedAddress;

        public static long NowMs => (long)(Tsc.MonotonicNs() / 1_000_000);

        public static void Init()
        {
            s_debug = CommandLine.Has("netdebug");
            NetMemory.FreeObject = &FreeObject;
            NetMemory.TryAllocBytes = &Runtime.Allocator.TryNewBytes;
            NetMemory.TryAllocArrayLike = &Runtime.Allocator.TryNewArrayLike;
            NetMemory.Random = &Random64;                   // before the stack: its ISN secret comes from it
            NetStack.Changed = &OnChanged;
            Stack = new NetStack();
            VirtioNet nic = VirtioNet.First;
            if (nic == null) return;
            Ethernet = Stack.AddEthernet(new VirtioNetDevice(nic));
            nic.OnReceive = &OnFrame;
            // net.ip=A.B.C.D/N net.gw=A.B.C.D net.dns=A.B.C.D configure statically (ops does so for
            // QEMU user networking); otherwise DHCP asks for an address.
            uint ip = CommandLine.GetIpv4("net.ip", out int prefix);
            if (ip != 0)
            {
                Stack.ConfigureStatic(Ethernet, ip, prefix == 0 ? 24 : prefix, CommandLine.GetIpv4("net.gw", out _), CommandLine.GetIpv4("net.dns", out _));
                AnnounceAddress();
            }
            else Stack.StartDhcp(Ethernet, NowMs);
        }

        private static void FreeObject(object o) => Runtime.Allocator.Free(o);

        private static ulong Random64()
        {
            ulong v;
            Kernel.Random.Fill((byte*)&v, 8);
            return v;
        }

        private static void OnFrame(byte* frame, int length, bool checksumValid)
        {
            long now = NowMs;
            Stack.Input(Ethernet, new System.ReadOnlySpan<byte>(frame, length), now, checksumValid);
            Stack.Flush(now);
        }

        private static void OnChanged() => Fs.PollWait.Changed();

        /// <summary>Runs the stack's timers; from the scheduler tick.</summary>
        public static void Tick()
        {
            if (Stack == null) return;
            if (VirtioNet.First != null) VirtioNet.First.Watchdog();
            long now = NowMs;
            if (now >= Stack.NextDeadlineMs) Stack.Poll(now);
            if (!s_announcedAddress && Ethernet != null && Ethernet.Address != 0) AnnounceAddress();
            if (s_debug && now >= s_nextDebug) { s_nextDebug = now + 2000; LogCounters(); }
        }

        private static bool s_debug;
        private static long s_nextDebug;

        /// <summary>Kernel arg netdebug: device and stack counters every 2 s.</summary>
        private static void LogCounters()
        {
            var nic = VirtioNet.First;
            if (nic == null) return;
            Log.Field("compat: net: rx ", nic.RxPackets);
            Log.Field(" tx ", nic.TxPackets);
            Log.Field(" txdrop ", nic.TxDropped);
            Log.Field(" irqs ", Irq.Count(nic.Vector));
            Log.Field(" stack rx ", (ulong)Ethernet.RxPackets);
            Log.Field(" rxdrop ", (ulong)Ethernet.RxDropped);
            Log.Field(" tx ", (ulong)Ethernet.TxPackets);
            Log.Field(" txdrop ", (ulong)Ethernet.TxDropped);
            nic.LogRings();
            Log.Field(" tcp ", (ulong)Stack.TcpSocketCount);
            Log.Field(" retransmits ", (ulong)Stack.TcpRetransmits);
            Log.Write(" states");
            for (TcpSocket t = Stack.TcpList; t != null; t = t.NextInList) { Log.Field(" ", (ulong)(int)t.State); Log.Field("/", (ulong)t.BytesAvailable); Log.Field("/", (ulong)t.BytesQueued); if (t.State == TcpState.Listen) Log.Field("/q", (ulong)t.PendingAccepts); }
            Log.Field(" segsin ", (ulong)Stack.TcpSegmentsIn);
            Log.Field(" bad ", (ulong)Stack.TcpBadSegments);
            Log.Field(" rstout ", (ulong)Stack.TcpResetsOut);
            Log.Write("\n");
        }

        /// <summary>After a socket call: deliver what it queued on loopback and send what it can.</summary>
        public static void Flush() => Stack.Flush(NowMs);

        private static void AnnounceAddress()
        {
            s_announcedAddress = true;
            Log.Write("compat: net: eth0 ");
            WriteIp(Ethernet.Address);
            Log.Write("/");
            Log.Dec((ulong)Ethernet.PrefixLength);
            Log.Write(" gateway ");
            WriteIp(Ethernet.Gateway);
            Log.Write("\n");
        }

        /// <summary>"compat: net: listening on tcp 0.0.0.0:8080" (ops waits for this line to say where to connect).</summary>
        public static void AnnounceListen(IpEndpoint local, bool listening)
        {
            Log.Write(listening ? "compat: net: listening on tcp " : "compat: net: closed tcp ");
            if (local.V6) WriteIp6(local.Address6); else WriteIp(local.Address);
            Log.Write(":");
            Log.Dec(local.Port);
            Log.Write("\n");
        }

        public static void WriteIp(uint a)
        {
            Log.Dec(a >> 24); Log.Write("."); Log.Dec((a >> 16) & 255); Log.Write("."); Log.Dec((a >> 8) & 255); Log.Write("."); Log.Dec(a & 255);
        }

        /// <summary>"[x:x:x:x:x:x:x:x]" (no :: shortening; [::] and [::1] as such).</summary>
        public static void WriteIp6(Ip6Address a)
        {
            if (a.IsUnspecified) { Log.Write("[::]"); return; }
            if (a.IsLoopback) { Log.Write("[::1]"); return; }
            Log.Write("[");
            for (int i = 0; i < 8; i++)
            {
                if (i > 0) Log.Write(":");
                ulong half = i < 4 ? a.Hi : a.Lo;
                int g = (int)((half >> (48 - 16 * (i & 3))) & 0xFFFF);
                bool started = false;
                for (int k = 3; k >= 0; k--)
                {
                    int nib = (g >> (4 * k)) & 15;
                    if (nib == 0 && !started && k > 0) continue;
                    started = true;
                    Log.Char((char)(nib < 10 ? '0' + nib : 'a' + nib - 10));
                }
            }
            Log.Write("]");
        }
    }
}
