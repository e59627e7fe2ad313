// cxx: C++ runtime on top of the kernel: iostream, std::string, containers,
// exceptions with unwinding (destructors run), static constructors, sort.
#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

static int failures;

static void check(bool ok, const std::string &what, const std::string &detail = "check failed")
{
    if (ok) {
        std::cout << "PASS " << what << '\n';
    } else {
        std::cout << "FAIL " << what << ": " << detail << '\n';
        failures++;
    }
}

static int ctor_runs;
struct Global {
    int value;
    Global() : value(1234) { ctor_runs++; }
};
static Global global_obj;

static int destroyed;
struct Guard {
    std::string name;
    explicit Guard(std::string n) : name(std::move(n)) {}
    ~Guard() { destroyed++; }
};

static void thrower(int depth)
{
    Guard g("level" + std::to_string(depth));
    if (depth == 0)
        throw std::runtime_error("deep failure");
    thrower(depth - 1);
}

struct MyError {
    int code;
};

static int thread_local_counter()
{
    thread_local int n = 0;
    return ++n;
}

int main()
{
    std::ios::sync_with_stdio(true);
    std::cout << "hello from iostream" << std::endl;
    check(ctor_runs == 1 && global_obj.value == 1234, "global constructor ran once before main");

    // std::string
    std::string s = "compat";
    s += "-";
    s.append(3, 'x');
    check(s == "compat-xxx" && s.size() == 10, "std::string append");
    check(s.find("xx") == 7 && s.substr(0, 6) == "compat", "std::string find/substr");
    std::string big(100000, 'a');
    big[99999] = 'b';
    check(big.size() == 100000 && big.back() == 'b', "long std::string on the heap");

    // std::vector
    std::vector<int> v;
    for (int i = 0; i < 10000; i++)
        v.push_back((i * 7919) % 10007);
    check(v.size() == 10000, "std::vector push_back 10000");
    std::sort(v.begin(), v.end());
    check(std::is_sorted(v.begin(), v.end()) && v.front() == 0, "std::sort ascending");
    std::sort(v.begin(), v.end(), [](int a, int b) { return a > b; });
    check(v.front() == 10006 && std::is_sorted(v.rbegin(), v.rend()), "std::sort with lambda comparator");

    std::vector<std::string> words = {"pear", "apple", "fig", "banana"};
    std::sort(words.begin(), words.end());
    std::ostringstream joined;
    for (size_t i = 0; i < words.size(); i++)
        joined << (i ? " " : "") << words[i];
    std::cout << "sorted words: " << joined.str() << '\n';
    check(words[0] == "apple" && words[3] == "pear", "std::sort of strings");

    // std::map
    std::map<std::string, int> m;
    for (auto &w : words)
        m[w] = (int)w.size();
    m["kiwi"] = 4;
    check(m.size() == 5 && m["banana"] == 6 && m.count("grape") == 0, "std::map insert/lookup");
    std::cout << "map:";
    for (auto &kv : m)
        std::cout << ' ' << kv.first << '=' << kv.second;
    std::cout << '\n';
    check(m.begin()->first == "apple", "std::map iterates in key order");

    // exceptions
    destroyed = 0;
    try {
        thrower(3);
        check(false, "exception thrown", "no exception");
    } catch (const std::runtime_error &e) {
        std::cout << "caught: " << e.what() << '\n';
        check(std::string(e.what()) == "deep failure", "std::runtime_error caught with message");
    }
    check(destroyed == 4, "4 destructors ran during unwinding");

    try {
        throw MyError{42};
    } catch (const MyError &e) {
        check(e.code == 42, "user-defined exception type caught");
    }

    try {
        std::vector<int> small(3);
        (void)small.at(10);
        check(false, "std::out_of_range thrown", "no exception");
    } catch (const std::out_of_range &) {
        check(true, "std::vector::at throws std::out_of_range");
    }

    try {
        try {
            throw std::logic_error("inner");
        } catch (...) {
            throw;
        }
    } catch (const std::exception &e) {
        check(std::string(e.what()) == "inner", "rethrow with throw;");
    }

    // smart pointers
    {
        destroyed = 0;
        {
            auto p = std::make_unique<Guard>("u");
            auto q = std::make_shared<Guard>("s");
            auto q2 = q;
            check(q.use_count() == 2, "shared_ptr use_count");
        }
        check(destroyed == 2, "smart pointers destroy their objects");
    }

    // formatting
    std::ostringstream os;
    os << std::fixed << std::setprecision(3) << 3.14159 << ' ' << std::hex << 255 << ' ' << std::dec << -17;
    std::cout << "formatted: " << os.str() << '\n';
    check(os.str() == "3.142 ff -17", "iostream formatting");

    check(thread_local_counter() == 1 && thread_local_counter() == 2, "thread_local with initializer");

    std::printf("stdio after iostream: ok\n");
    std::cout << (failures ? "some checks failed" : "all checks passed") << std::endl;
    return failures ? 1 : 0;
}
