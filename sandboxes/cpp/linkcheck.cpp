// linkcheck: refuse a completion's object file that could reach the tests' object at link time.
//
//   linkcheck CANDIDATE.o TEST.o ENTRY    (the job's token on stdin)
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
// the compile error one translation unit would have given. Build: g++ -O2 -o linkcheck
// linkcheck.cpp (sandboxes/cpp/prepare.sh).
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

std::string refusal(const Object& candidate, const Object& tests, const std::string& entry) {
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
        if (!symbol.defined) needed.insert(symbol.name);
        else if (symbol.bind == STB_WEAK) weak.insert(symbol.name);
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

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: linkcheck CANDIDATE.o TEST.o ENTRY\n";
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
    std::string reason = refusal(candidate, tests, argv[3]);
    if (reason.empty()) return 0;
    std::string token;
    std::getline(std::cin, token);
    std::cout << "\nHUMANEVAL_X " << token << " tamper the completion's object file is refused: "
              << reason << std::endl;
    std::cerr << "refused: " << reason << "\n";
    return 1;
}
