// DHCP client (RFC 2131): DISCOVER -> OFFER -> REQUEST -> ACK, renewing at T1 (unicast to the
// server), rebinding at T2 (broadcast), and starting over when the lease ends or on a NAK.
using System;

namespace Kernel.Net
{
    internal sealed class DhcpClient
    {
        internal const ushort ClientPort = 68, ServerPort = 67;
        internal const int Idle = 0, Selecting = 1, Requesting = 2, Bound = 3, Renewing = 4, Rebinding = 5;
        private const int Discover = 1, Offer = 2, Request = 3, Ack = 5, Nak = 6;
        private const uint Magic = 0x63825363;

        private readonly NetStack _s;
        private readonly NetInterface _if;
        private readonly byte[] _pkt = new byte[548];
        internal int State;
        private uint _xid;
        private long _next = long.MaxValue;
        private int _tries;
        private uint _offered, _server;
        private long _t1, _t2, _end;

        internal DhcpClient(NetStack s, NetInterface i) { _s = s; _if = i; }

        internal bool Active => State != Idle;
        internal long NextDeadline => State == Idle ? long.MaxValue : _next;

        internal void Start(long now)
        {
            _xid = (uint)NetMemory.NextRandom(now);
            State = Selecting; _tries = 0;
            SendDiscover(now);
        }

        internal void Stop() { State = Idle; _next = long.MaxValue; }

        private long Backoff()
        {
            int s = 4 << (_tries < 4 ? _tries : 4);     // 4, 8, 16, 32, 64 s
            _tries++;
            return s * 1000L;
        }

        private void SendDiscover(long now)
        {
            int n = Build(Discover, 0);
            _pkt[n++] = 255;
            Send(n, 0xFFFFFFFF);
            _next = now + Backoff();
        }

        private void SendRequest(long now, bool broadcast)
        {
            bool selecting = State == Requesting;
            int n = Build(Request, selecting ? 0 : _if.Address);
            if (selecting)
            {
                _pkt[n++] = 50; _pkt[n++] = 4; Be.W32(_pkt, n, _offered); n += 4;
                _pkt[n++] = 54; _pkt[n++] = 4; Be.W32(_pkt, n, _server); n += 4;
            }
            _pkt[n++] = 255;
            Send(n, broadcast ? 0xFFFFFFFF : _server);
            _next = now + Backoff();
        }

        private int Build(int type, uint ciaddr)
        {
            byte[] p = _pkt;
            new Span<byte>(p).Clear();
            p[0] = 1; p[1] = 1; p[2] = 6; p[3] = 0;
            Be.W32(p, 4, _xid);
            Be.W16(p, 10, ciaddr == 0 ? 0x8000 : 0);      // ask for broadcast replies until we have an address
            Be.W32(p, 12, ciaddr);
            for (int i = 0; i < 6; i++) p[28 + i] = _if.Device.Mac[i];
            Be.W32(p, 236, Magic);
            int n = 240;
            p[n++] = 53; p[n++] = 1; p[n++] = (byte)type;
            p[n++] = 61; p[n++] = 7; p[n++] = 1; for (int i = 0; i < 6; i++) p[n++] = _if.Device.Mac[i];
            p[n++] = 55; p[n++] = 4; p[n++] = 1; p[n++] = 3; p[n++] = 6; p[n++] = 51;
            return n;
        }

        private void Send(int n, uint dst)
        {
            if (n < 300) n = 300;                            // BOOTP minimum
            Route r;
            if (dst == 0xFFFFFFFF || _if.Address == 0 || _s.FindRoute(dst, out r) < 0 || r.If != _if)
            {
                r = default;
                r.If = _if; r.Broadcast = true; r.NextHop = 0xFFFFFFFF; r.Mtu = _if.Mtu;
                dst = 0xFFFFFFFF;
            }
            uint src = State == Renewing || State == Rebinding ? _if.Address : 0;
            _s.UdpOutput(ref r, src, ClientPort, dst, ServerPort, new ReadOnlySpan<byte>(_pkt).Slice(0, n));
        }

        internal void Poll(long now)
        {
            if (State == Idle || now < _next) return;
            switch (State)
            {
                case Selecting: SendDiscover(now); break;
                case Requesting:
                    if (_tries >= 4) Start(now); else SendRequest(now, true);
                    break;
                case Bound:
                    State = Renewing; _tries = 0;
                    SendRequest(now, false);
                    if (_next > _t2) _next = _t2;
                    break;
                case Renewing:
                    if (now >= _t2) { State = Rebinding; _tries = 0; }
                    SendRequest(now, State == Rebinding);
                    if (State == Renewing && _next > _t2) _next = _t2;
                    if (State == Rebinding && _next > _end) _next = _end;
                    break;
                case Rebinding:
                    if (now >= _end) { Unconfigure(); Start(now); }
                    else { SendRequest(now, true); if (_next > _end) _next = _end; }
                    break;
            }
        }

        private void Unconfigure()
        {
            _if.Address = 0; _if.PrefixLength = 0; _if.Gateway = 0; _if.Dns = 0;
            _if.LeaseExpiresMs = long.MaxValue;
            _s.MarkChanged();
        }

        internal void Input(ReadOnlySpan<byte> p, long now)
        {
            if (p.Length < 241 || p[0] != 2 || p[1] != 1 || p[2] != 6) return;
            if (Be.U32(p, 4) != _xid || Be.U32(p, 236) != Magic) return;
            for (int i = 0; i < 6; i++) if (p[28 + i] != _if.Device.Mac[i]) return;
            uint yiaddr = Be.U32(p, 16);
            int type = 0; uint mask = 0, router = 0, dns = 0, server = 0; long lease = 0, t1 = 0, t2 = 0;
            int o = 240;
            while (o < p.Length)
            {
                int code = p[o++];
                if (code == 0) continue;
                if (code == 255 || o >= p.Length) break;
                int len = p[o++];
                if (o + len > p.Length) return;
                ReadOnlySpan<byte> v = p.Slice(o, len);
                switch (code)
                {
                    case 53: if (len >= 1) type = v[0]; break;
                    case 1: if (len >= 4) mask = Be.U32(v, 0); break;
                    case 3: if (len >= 4) router = Be.U32(v, 0); break;
                    case 6: if (len >= 4) dns = Be.U32(v, 0); break;
                    case 54: if (len >= 4) server = Be.U32(v, 0); break;
                    case 51: if (len >= 4) lease = Be.U32(v, 0); break;
                    case 58: if (len >= 4) t1 = Be.U32(v, 0); break;
                    case 59: if (len >= 4) t2 = Be.U32(v, 0); break;
                }
                o += len;
            }
            if (type == Offer && State == Selecting)
            {
                if (yiaddr == 0 || NetStack.IsMulticastOrBroadcast(yiaddr)) return;
                _offered = yiaddr; _server = server;
                State = Requesting; _tries = 0;
                SendRequest(now, true);
            }
            else if (type == Ack && (State == Requesting || State == Renewing || State == Rebinding))
            {
                if (yiaddr == 0) return;
                if (server != 0) _server = server;
                int prefix = 0;
                while (prefix < 32 && (mask & (0x80000000u >> prefix)) != 0) prefix++;
                if (mask == 0) prefix = (yiaddr >> 24) < 128 ? 8 : (yiaddr >> 24) < 192 ? 16 : 24;
                _if.Address = yiaddr; _if.PrefixLength = prefix; _if.Gateway = router; _if.Dns = dns; _if.Up = true;
                if (_if.Arp != null) _if.Arp.Announce();
                if (lease <= 0) lease = 86400;
                if (lease >= 0xFFFFFFFFL) { _end = long.MaxValue; _t1 = long.MaxValue; _t2 = long.MaxValue; }
                else
                {
                    if (t1 <= 0 || t1 >= lease) t1 = lease / 2;
                    if (t2 <= 0 || t2 >= lease || t2 <= t1) t2 = lease * 7 / 8;
                    _end = now + lease * 1000; _t1 = now + t1 * 1000; _t2 = now + t2 * 1000;
                }
                _if.LeaseExpiresMs = _end;
                State = Bound; _tries = 0; _next = _t1;
                _s.MarkChanged();
            }
            else if (type == Nak && State != Selecting && State != Bound)
            {
                Unconfigure();
                Start(now);
            }
        }
    }
}
