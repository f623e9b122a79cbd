// linkcheck: refuse a completion's object file that could reach the tests' object at link time.
//
//   linkcheck CANDIDATE.o TESTS.o ENTRY INDEX    (the job's token on stdin)
//
// The tests and the completion are compiled as two translation units, so no macro, overload or
// specialisation of the completion is seen by the tests. What is left is the link: a symbol of
// the completion's object could take the place of one the tests use (a strong definition wins
// over the tests' weak template instantiations; any definition wins over the shared libraries'),
// or run code before main reads the token (.preinit_array, .init, .fini, GNU ifuncs). So the
// completion's object may define, with external linkage, the entry point (the function
// ENTRY that the tests' object needs) and otherwise only C++ names that the tests' object does
// not use and that are not in the standard library's namespaces. A refusal is reported as
// `tamper` through the proof channel (stdout) and exits 1; a completion that defines main gets
// the compile error one translation unit would have given.
//
// The tests' object may hold the tests of several problems (a batch), each in namespace
// humaneval_x_<i>, with -ffunction-sections, and their entry points declared weak. INDEX
// names this program's problem: the entry-point symbols that its test's sections refer to
// must be defined by the completion (or the build fails as the linker would have failed it),
// and the weak references of the other problems' tests are not this program's concern (they
// are never called in its process). Build: g++ -O2 -o linkcheck linkcheck.cpp
// (sandboxes/cpp/prepare.sh).
#include <elf.h>
#include <string.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

namespace {

struct Symbol {
    std::string name;
    unsigned char bind;
    unsigned char type;
    bool defined;
};

struct Object {
    std::vector<std::string> sections;
    std::vector<Elf64_Shdr> headers;
    std::vector<Symbol> symbols;
    // For each relocation section: the section it applies to, and the symbols it refers to.
    std::vector<std::pair<size_t, std::vector<size_t>>> relocations;
};

bool load(const std::string& path, Object& object) {
    std::ifstream file(path, std::ios::binary);
    std::vector<char> data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (data.size() < sizeof(Elf64_Ehdr)) return false;
    const auto* header = reinterpret_cast<const Elf64_Ehdr*>(data.data());
    if (std::string(reinterpret_cast<const char*>(header->e_ident), 4) != "\x7f" "ELF" ||
        header->e_ident[EI_CLASS] != ELFCLASS64 || header->e_shentsize != sizeof(Elf64_Shdr) ||
        header->e_shoff + header->e_shnum * sizeof(Elf64_Shdr) > data.size() ||
        header->e_shstrndx >= header->e_shnum) {
        return false;
    }
    const auto* sections = reinterpret_cast<const Elf64_Shdr*>(data.data() + header->e_shoff);
    auto text = [&](const Elf64_Shdr& table, size_t offset) {
        if (table.sh_offset + offset >= data.size()) return std::string();
        const char* start = data.data() + table.sh_offset + offset;
        size_t room = data.size() - table.sh_offset - offset;
        return std::string(start, strnlen(start, room));
    };
    for (size_t i = 0; i < header->e_shnum; i++) {
        object.headers.push_back(sections[i]);
        object.sections.push_back(text(sections[header->e_shstrndx], sections[i].sh_name));
    }
    for (const Elf64_Shdr& table : object.headers) {
        if (table.sh_type != SHT_RELA || table.sh_info >= object.headers.size()) continue;
        if (table.sh_offset + table.sh_size > data.size()) return false;
        const auto* entries = reinterpret_cast<const Elf64_Rela*>(data.data() + table.sh_offset);
        std::vector<size_t> targets;
        for (size_t i = 0; i < table.sh_size / sizeof(Elf64_Rela); i++) {
            targets.push_back(ELF64_R_SYM(entries[i].r_info));
        }
        object.relocations.emplace_back(table.sh_info, targets);
    }
    for (const Elf64_Shdr& table : object.headers) {
        if (table.sh_type != SHT_SYMTAB || table.sh_link >= object.headers.size()) continue;
        if (table.sh_offset + table.sh_size > data.size()) return false;
        const auto* symbols = reinterpret_cast<const Elf64_Sym*>(data.data() + table.sh_offset);
        for (size_t i = 0; i < table.sh_size / sizeof(Elf64_Sym); i++) {
            const Elf64_Sym& symbol = symbols[i];
            object.symbols.push_back({text(object.headers[table.sh_link], symbol.st_name),
                                      static_cast<unsigned char>(ELF64_ST_BIND(symbol.st_info)),
                                      static_cast<unsigned char>(ELF64_ST_TYPE(symbol.st_info)),
                                      symbol.st_shndx != SHN_UNDEF});
        }
    }
    return true;
}

bool external(const Symbol& symbol) {
    return symbol.bind == STB_GLOBAL || symbol.bind == STB_WEAK || symbol.bind == STB_GNU_UNIQUE;
}

// Whether a mangled name is in namespace std, __gnu_cxx or __cxxabiv1, or is operator new or
// delete: what the standard library defines and the tests' code calls.
bool reserved(const std::string& name) {
    std::string rest = name.substr(2);
    for (const char* special : {"TI", "TS", "TV", "TT", "TH", "TW", "GV", "GR"}) {
        if (rest.rfind(special, 0) == 0) {
            rest = rest.substr(2);
            break;
        }
    }
    if (!rest.empty() && rest[0] == 'N') rest = rest.substr(1);
    while (!rest.empty() && (rest[0] == 'K' || rest[0] == 'V' || rest[0] == 'r')) rest = rest.substr(1);
    for (const char* prefix : {"St", "9__gnu_cxx", "10__cxxabiv1", "nw", "na", "dl", "da"}) {
        if (rest.rfind(prefix, 0) == 0) return true;
    }
    return false;
}

// The symbols that the sections of problem `index`'s test (namespace humaneval_x_<index>, in
// an anonymous namespace) refer to.
std::set<std::string> referenced_by(const Object& tests, const std::string& index) {
    const std::string space = "humaneval_x_" + index;
    const std::string mangled = std::to_string(space.size()) + space;
    std::set<std::string> names;
    for (const auto& [section, targets] : tests.relocations) {
        if (tests.sections[section].find(mangled) == std::string::npos) continue;
        for (size_t target : targets) {
            if (target < tests.symbols.size()) names.insert(tests.symbols[target].name);
        }
    }
    return names;
}

std::string refusal(const Object& candidate, const Object& tests, const std::string& entry,
                    const std::set<std::string>& own) {
    for (size_t i = 0; i < candidate.headers.size(); i++) {
        const std::string& name = candidate.sections[i];
        if (candidate.headers[i].sh_type == SHT_PREINIT_ARRAY || name.rfind(".preinit_array", 0) == 0 ||
            name == ".init" || name == ".fini") {
            return "it has a " + name + " section, which runs before the tests start";
        }
    }
    std::set<std::string> needed, weak;
    for (const Symbol& symbol : tests.symbols) {
        if (!external(symbol)) continue;
        if (!symbol.defined && (symbol.bind != STB_WEAK || own.count(symbol.name))) {
            needed.insert(symbol.name);
        } else if (symbol.defined && symbol.bind == STB_WEAK) {
            weak.insert(symbol.name);
        }
    }
    const std::string entry_prefix = "_Z" + std::to_string(entry.size()) + entry;
    for (const Symbol& symbol : candidate.symbols) {
        if (symbol.type == STT_GNU_IFUNC) return "it defines the ifunc " + symbol.name;
        if (!external(symbol) || !symbol.defined) continue;
        const std::string& name = symbol.name;
        bool is_entry = name.rfind(entry_prefix, 0) == 0 && needed.count(name);
        if (is_entry && symbol.bind == STB_GLOBAL) continue;
        if (needed.count(name)) return "it defines " + name + ", which the tests' code uses";
        if (symbol.bind != STB_GLOBAL) continue;
        if (weak.count(name)) return "it defines " + name + ", which the tests' code defines";
        if (name.rfind("_Z", 0) != 0) return "it defines the C symbol " + name;
        if (reserved(name)) return "it defines " + name + ", a name of the standard library";
    }
    return "";
}

// The entry-point symbols that the program's test refers to and the completion does not
// define: what the linker would have reported as undefined references.
std::vector<std::string> missing(const Object& candidate, const Object& tests,
                                 const std::string& entry, const std::set<std::string>& own) {
    const std::string entry_prefix = "_Z" + std::to_string(entry.size()) + entry;
    std::set<std::string> defined;
    for (const Symbol& symbol : candidate.symbols) {
        if (symbol.defined && symbol.bind == STB_GLOBAL) defined.insert(symbol.name);
    }
    std::vector<std::string> names;
    for (const Symbol& symbol : tests.symbols) {
        if (symbol.defined || !own.count(symbol.name) || symbol.name.rfind(entry_prefix, 0) != 0) {
            continue;
        }
        if (!defined.count(symbol.name)) names.push_back(symbol.name);
    }
    return names;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::cerr << "usage: linkcheck CANDIDATE.o TESTS.o ENTRY INDEX\n";
        return 2;
    }
    Object candidate, tests;
    if (!load(argv[1], candidate) || !load(argv[2], tests)) {
        std::cerr << "linkcheck: cannot read the object files\n";
        return 2;
    }
    for (const Symbol& symbol : candidate.symbols) {
        if (symbol.name == "main" && symbol.defined && external(symbol)) {
            std::cerr << "error: the completion defines main(), which the tests define\n";
            return 1;
        }
    }
    const std::set<std::string> own = referenced_by(tests, argv[4]);
    std::string reason = refusal(candidate, tests, argv[3], own);
    if (reason.empty()) {
        std::vector<std::string> undefined = missing(candidate, tests, argv[3], own);
        for (const std::string& name : undefined) {
            std::cerr << "error: undefined reference to `" << name << "'\n";
        }
        return undefined.empty() ? 0 : 1;
    }
    std::string token;
    std::getline(std::cin, token);
    std::cout << "\nHUMANEVAL_X " << token << " tamper the completion's object file is refused: "
              << reason << std::endl;
    std::cerr << "refused: " << reason << "\n";
    return 1;
}
