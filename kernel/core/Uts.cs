// The machine's names (one UTS namespace): what uname reports and sethostname/setdomainname change.
namespace Kernel
{
    internal static unsafe class Uts
    {
        public const int MaxName = 64;                       // __NEW_UTS_LEN
        private static readonly byte[] s_hostname = new byte[MaxName], s_domainname = new byte[MaxName];
        private static int s_hostnameLength = -1, s_domainnameLength = -1;

        public static System.ReadOnlySpan<byte> Hostname => Get(s_hostname, ref s_hostnameLength, "compat");
        public static System.ReadOnlySpan<byte> Domainname => Get(s_domainname, ref s_domainnameLength, "(none)");

        private static System.ReadOnlySpan<byte> Get(byte[] buf, ref int length, string initial)
        {
            if (length < 0)
            {
                for (int i = 0; i < initial.Length; i++) buf[i] = (byte)initial[i];
                length = initial.Length;
            }
            return new System.ReadOnlySpan<byte>(buf).Slice(0, length);
        }

        public static void SetHostname(byte* name, int length) => Set(s_hostname, ref s_hostnameLength, name, length);
        public static void SetDomainname(byte* name, int length) => Set(s_domainname, ref s_domainnameLength, name, length);

        private static void Set(byte[] buf, ref int length, byte* name, int n)
        {
            for (int i = 0; i < n; i++) buf[i] = name[i];
            length = n;
        }
    }
}
