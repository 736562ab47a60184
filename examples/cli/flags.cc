#include "examples/cli/flags.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace edgemma::cli {
namespace {

std::string Range(double lo, double hi) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), "[%g, %g]", lo, hi);
  return buf;
}

std::string IntRange(int64_t lo, int64_t hi) {
  return "[" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
}

}  // namespace

bool ParseInt(std::string_view s, int64_t lo, int64_t hi, int64_t* out) {
  const std::string text(s);
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0])) ||
      end != text.c_str() + text.size() || errno != 0 || v < lo || v > hi) {
    return false;
  }
  *out = v;
  return true;
}

bool ParseUint64(std::string_view s, uint64_t* out) {
  const std::string text(s);
  if (text.empty() || text[0] < '0' || text[0] > '9') return false;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (end != text.c_str() + text.size() || errno != 0) return false;
  *out = v;
  return true;
}

bool ParseFloat(std::string_view s, double lo, double hi, double* out) {
  const std::string text(s);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0])) ||
      end != text.c_str() + text.size() || !std::isfinite(v) || v < lo ||
      v > hi) {
    return false;
  }
  *out = v;
  return true;
}

bool ParseIntList(std::string_view s, int64_t lo, int64_t hi,
                  std::vector<int64_t>* out) {
  out->clear();
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ',' || std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && s[j] != ',' &&
           !std::isspace(static_cast<unsigned char>(s[j]))) {
      ++j;
    }
    int64_t v = 0;
    if (!ParseInt(s.substr(i, j - i), lo, hi, &v)) return false;
    out->push_back(v);
    i = j;
  }
  return !out->empty();
}

Flags& Flags::Add(const char* names, bool takes_value,
                  std::function<std::string(const char*)> parse) {
  flags_.push_back(
      Flag{"," + std::string(names) + ",", takes_value, std::move(parse)});
  return *this;
}

Flags& Flags::Switch(const char* names, bool* out) {
  return Add(names, false, [out](const char*) {
    *out = true;
    return std::string();
  });
}

Flags& Flags::String(const char* names, std::string* out) {
  return Add(names, true, [out](const char* v) {
    *out = v;
    return std::string();
  });
}

Flags& Flags::Strings(const char* names, std::vector<std::string>* out) {
  return Add(names, true, [out](const char* v) {
    out->push_back(v);
    return std::string();
  });
}

Flags& Flags::Int(const char* names, int* out, int lo, int hi) {
  return Add(names, true, [out, lo, hi](const char* v) {
    int64_t n = 0;
    if (!ParseInt(v, lo, hi, &n)) return "an integer in " + IntRange(lo, hi);
    *out = static_cast<int>(n);
    return std::string();
  });
}

Flags& Flags::Uint64(const char* names, uint64_t* out) {
  return Add(names, true, [out](const char* v) {
    return ParseUint64(v, out) ? std::string() : "a non-negative integer";
  });
}

Flags& Flags::Float(const char* names, float* out, double lo, double hi) {
  return Add(names, true, [out, lo, hi](const char* v) {
    double x = 0;
    if (!ParseFloat(v, lo, hi, &x)) return "a number in " + Range(lo, hi);
    *out = static_cast<float>(x);
    return std::string();
  });
}

Flags& Flags::Choice(const char* names, std::string* out,
                     std::initializer_list<const char*> choices) {
  std::vector<std::string> list(choices.begin(), choices.end());
  return Add(names, true, [out, list](const char* v) {
    std::string need;
    for (const std::string& c : list) {
      if (c == v) {
        *out = v;
        return std::string();
      }
      need += (need.empty() ? "" : " | ") + c;
    }
    return need;
  });
}

Flags& Flags::Custom(const char* names,
                     std::function<std::string(const char*)> parse) {
  Add(names, true, std::move(parse));
  flags_.back().custom = true;
  return *this;
}

Flags& Flags::Given(bool* given) {
  flags_.back().given = given;
  return *this;
}

Flags& Flags::Positionals(std::vector<std::string>* out, int min_count,
                          int max_count) {
  positionals_ = out;
  min_positionals_ = min_count;
  max_positionals_ = max_count;
  return *this;
}

const Flags::Flag* Flags::Find(std::string_view name) const {
  const std::string key = "," + std::string(name) + ",";
  for (const Flag& f : flags_) {
    if (f.names.find(key) != std::string::npos) return &f;
  }
  return nullptr;
}

std::optional<int> Flags::Parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage_, stdout);
      return kExitOk;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      if (positionals_ == nullptr)
        return UsageError("unexpected argument '" + std::string(arg) + "'");
      positionals_->push_back(std::string(arg));
      continue;
    }
    const size_t eq = arg.find('=');
    const std::string_view name =
        eq == std::string_view::npos ? arg : arg.substr(0, eq);
    const Flag* f = Find(name);
    if (f == nullptr)
      return UsageError("unknown option '" + std::string(name) + "'");
    const char* value = nullptr;
    if (eq != std::string_view::npos) {
      if (!f->takes_value)
        return UsageError(std::string(name) + " takes no value");
      value = argv[i] + eq + 1;
    } else if (f->takes_value) {
      if (i + 1 >= argc)
        return UsageError(std::string(name) + " needs a value");
      value = argv[++i];
    }
    const std::string error = f->parse(value);
    if (!error.empty() && f->custom) return UsageError(error);
    if (!error.empty()) {
      return UsageError(std::string(name) + " needs " + error + ", got '" +
                        value + "'");
    }
    if (f->given != nullptr) *f->given = true;
  }
  if (positionals_ != nullptr) {
    const int n = static_cast<int>(positionals_->size());
    if (n < min_positionals_ || n > max_positionals_) {
      const std::string want = min_positionals_ == max_positionals_
                                   ? std::to_string(min_positionals_)
                                   : std::to_string(min_positionals_) + " to " +
                                         std::to_string(max_positionals_);
      return UsageError("expected " + want + " positional argument(s), got " +
                        std::to_string(n));
    }
  }
  return std::nullopt;
}

int Flags::UsageError(const std::string& msg) const {
  std::fprintf(stderr, "edgemma %s: %s (see --help)\n", cmd_, msg.c_str());
  return kExitUsage;
}

int Flags::Fail(const std::string& msg) const { return FailCommand(cmd_, msg); }

int FailCommand(const char* cmd, const std::string& msg) {
  std::fprintf(stderr, "edgemma %s: %s\n", cmd, msg.c_str());
  return kExitFailure;
}

}  // namespace edgemma::cli
