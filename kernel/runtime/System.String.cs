// String, arrays and spans for the kernel's System module.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kernel;

namespace System
{
    public sealed class String
    {
        // Layout fixed by ILC: length, then the first UTF-16 code unit; literals are frozen objects.
#pragma warning disable 649
        [NonSerialized] private int _stringLength;
        [NonSerialized] private char _firstChar;
#pragma warning restore 649

        public int Length => _stringLength;

        [IndexerName("Chars")]
        public unsafe char this[int index]
        {
            get
            {
                if ((uint)index >= (uint)_stringLength) Kernel.Panic.IndexOutOfRange();
                return Unsafe.Add(ref _firstChar, index);
            }
        }

        public ref readonly char GetPinnableReference() => ref _firstChar;

        public static bool operator ==(string a, string b) => Equals(a, b);
        public static bool operator !=(string a, string b) => !Equals(a, b);

        public static bool Equals(string a, string b)
        {
            if ((object)a == (object)b) return true;
            if ((object)a == null || (object)b == null || a.Length != b.Length) return false;
            for (int i = 0; i < a.Length; i++)
                if (a[i] != b[i]) return false;
            return true;
        }

        public override bool Equals(object o) => o is string s && Equals(this, s);
        public override int GetHashCode()
        {
            uint h = 2166136261;
            for (int i = 0; i < _stringLength; i++) h = (h ^ this[i]) * 16777619;
            return (int)h;
        }
        public override string ToString() => this;

        public static implicit operator ReadOnlySpan<char>(string value) =>
            (object)value == null ? default : new ReadOnlySpan<char>(ref value._firstChar, value._stringLength);

        internal static unsafe string FastAllocate(int length)
        {
            if (length < 0) Kernel.Panic.Fail("negative string length");
            var s = (string)Kernel.Runtime.Allocator.NewArrayLike(Kernel.Runtime.Allocator.StringMethodTable, (uint)length);
            return s;
        }

        public static unsafe string Create(ReadOnlySpan<char> chars)
        {
            string s = FastAllocate(chars.Length);
            for (int i = 0; i < chars.Length; i++) Unsafe.Add(ref s._firstChar, i) = chars[i];
            return s;
        }

        /// <summary>Builds a string from ASCII/Latin-1 bytes (e.g. a C string from the boot loader).</summary>
        public static unsafe string FromAscii(byte* p, int length)
        {
            string s = FastAllocate(length);
            for (int i = 0; i < length; i++) Unsafe.Add(ref s._firstChar, i) = (char)p[i];
            return s;
        }

        public static string Concat(string a, string b)
        {
            a ??= ""; b ??= "";
            string s = FastAllocate(a.Length + b.Length);
            for (int i = 0; i < a.Length; i++) Unsafe.Add(ref s._firstChar, i) = a[i];
            for (int i = 0; i < b.Length; i++) Unsafe.Add(ref s._firstChar, a.Length + i) = b[i];
            return s;
        }

        public static string Concat(string a, string b, string c) => Concat(Concat(a, b), c);
        public static string Concat(string a, string b, string c, string d) => Concat(Concat(a, b), Concat(c, d));

        public string Substring(int start, int length)
        {
            if ((uint)start > (uint)_stringLength || (uint)length > (uint)(_stringLength - start)) Kernel.Panic.IndexOutOfRange();
            string s = FastAllocate(length);
            for (int i = 0; i < length; i++) Unsafe.Add(ref s._firstChar, i) = this[start + i];
            return s;
        }

        public string Substring(int start) => Substring(start, _stringLength - start);

        public bool StartsWith(string prefix)
        {
            if (prefix.Length > _stringLength) return false;
            for (int i = 0; i < prefix.Length; i++) if (this[i] != prefix[i]) return false;
            return true;
        }

        public int IndexOf(char c)
        {
            for (int i = 0; i < _stringLength; i++) if (this[i] == c) return i;
            return -1;
        }
    }

    public abstract class Array
    {
#pragma warning disable 649
        // Layout fixed by ILC: the element count, then padding on 64-bit, then elements.
        private int _numComponents;
#pragma warning restore 649
        public int Length => _numComponents;
    }

    // ILC needs the generic array type to exist; T[] derives from it.
    public class Array<T> : Array { }

    public readonly ref struct Span<T>
    {
        internal readonly ref T _reference;
        private readonly int _length;

        public Span(ref T reference, int length) { _reference = ref reference; _length = length; }
        public unsafe Span(void* pointer, int length) { _reference = ref Unsafe.AsRef<T>(pointer); _length = length; }
        public Span(T[] array)
        {
            if (array == null) { this = default; return; }
            _reference = ref Unsafe.As<byte, T>(ref Unsafe.AddByteOffset(ref Unsafe.As<RawArrayData>(array).Data, 0));
            _length = array.Length;
        }

        public int Length => _length;
        public bool IsEmpty => _length == 0;

        public ref T this[int index]
        {
            get
            {
                if ((uint)index >= (uint)_length) Kernel.Panic.IndexOutOfRange();
                return ref Unsafe.Add(ref _reference, index);
            }
        }

        public ref T GetPinnableReference() => ref _reference;

        public Span<T> Slice(int start)
        {
            if ((uint)start > (uint)_length) Kernel.Panic.IndexOutOfRange();
            return new Span<T>(ref Unsafe.Add(ref _reference, start), _length - start);
        }

        public Span<T> Slice(int start, int length)
        {
            if ((uint)start > (uint)_length || (uint)length > (uint)(_length - start)) Kernel.Panic.IndexOutOfRange();
            return new Span<T>(ref Unsafe.Add(ref _reference, start), length);
        }

        // Whole-block moves: an element loop is one store per byte under TCG. With no GC, copying a
        // reference as raw bytes needs no write barrier.
        public unsafe void Clear() => Mem.Zero(Unsafe.AsPointer(ref _reference), (ulong)_length * (ulong)Unsafe.SizeOf<T>());
        public void Fill(T value) { for (int i = 0; i < _length; i++) Unsafe.Add(ref _reference, i) = value; }

        public unsafe void CopyTo(Span<T> dest)
        {
            if ((uint)_length > (uint)dest.Length) Kernel.Panic.IndexOutOfRange();
            Mem.Move(Unsafe.AsPointer(ref dest._reference), Unsafe.AsPointer(ref _reference), (ulong)_length * (ulong)Unsafe.SizeOf<T>());
        }

        public static implicit operator Span<T>(T[] array) => new Span<T>(array);
        public static implicit operator ReadOnlySpan<T>(Span<T> span) => new ReadOnlySpan<T>(ref span._reference, span._length);
    }

    public readonly ref struct ReadOnlySpan<T>
    {
        internal readonly ref T _reference;
        private readonly int _length;

        public ReadOnlySpan(ref T reference, int length) { _reference = ref reference; _length = length; }
        public unsafe ReadOnlySpan(void* pointer, int length) { _reference = ref Unsafe.AsRef<T>(pointer); _length = length; }
        public ReadOnlySpan(T[] array)
        {
            if (array == null) { this = default; return; }
            _reference = ref Unsafe.As<byte, T>(ref Unsafe.As<RawArrayData>(array).Data);
            _length = array.Length;
        }

        public int Length => _length;
        public bool IsEmpty => _length == 0;

        public ref readonly T this[int index]
        {
            get
            {
                if ((uint)index >= (uint)_length) Kernel.Panic.IndexOutOfRange();
                return ref Unsafe.Add(ref _reference, index);
            }
        }

        public ref readonly T GetPinnableReference() => ref _reference;

        public ReadOnlySpan<T> Slice(int start)
        {
            if ((uint)start > (uint)_length) Kernel.Panic.IndexOutOfRange();
            return new ReadOnlySpan<T>(ref Unsafe.Add(ref _reference, start), _length - start);
        }

        public ReadOnlySpan<T> Slice(int start, int length)
        {
            if ((uint)start > (uint)_length || (uint)length > (uint)(_length - start)) Kernel.Panic.IndexOutOfRange();
            return new ReadOnlySpan<T>(ref Unsafe.Add(ref _reference, start), length);
        }

        public unsafe void CopyTo(Span<T> dest)
        {
            if ((uint)_length > (uint)dest.Length) Kernel.Panic.IndexOutOfRange();
            Mem.Move(Unsafe.AsPointer(ref dest._reference), Unsafe.AsPointer(ref _reference), (ulong)_length * (ulong)Unsafe.SizeOf<T>());
        }

        public static implicit operator ReadOnlySpan<T>(T[] array) => new ReadOnlySpan<T>(array);
    }

    // Views an array object as its raw layout to reach the first element.
    internal sealed class RawArrayData
    {
        public uint Length;
        public uint Padding;
        public byte Data;
    }

    public sealed class NonSerializedAttribute : Attribute { }
}
