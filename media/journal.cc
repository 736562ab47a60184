#include "media/journal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace edgemma::media {
namespace {

Status Errno(const std::string& what) {
  return IoError(what + ": " + std::strerror(errno));
}

Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
    return Errno("cannot create directory " + path);
  return Status::Ok();
}

Status FsyncPath(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return Errno("cannot open " + path);
  const int rc = fsync(fd);
  close(fd);
  if (rc != 0) return Errno("fsync " + path);
  return Status::Ok();
}

// Writes `bytes` to path.tmp, fsyncs, renames over `path`, fsyncs `dir`.
Status WriteDurable(const std::string& dir, const std::string& path,
                    const std::string& bytes, bool sync) {
  const std::string tmp = path + ".tmp";
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return Errno("cannot create " + tmp);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      close(fd);
      return Errno("write " + tmp);
    }
    done += static_cast<size_t>(w);
  }
  if (sync && fsync(fd) != 0) {
    close(fd);
    return Errno("fsync " + tmp);
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) return Errno("rename " + tmp);
  return sync ? FsyncPath(dir) : Status::Ok();
}

void Put32(std::string* s, uint32_t v) {
  s->append(reinterpret_cast<char*>(&v), 4);
}
void Put16(std::string* s, uint16_t v) {
  s->append(reinterpret_cast<char*>(&v), 2);
}

void Put64(std::string* s, int64_t v) {
  s->append(reinterpret_cast<char*>(&v), 8);
}

// A float32 mono WAV (WAVE_FORMAT_IEEE_FLOAT) in memory, with a "wclk" chunk
// (wall-clock start and end, ns) that WAV readers skip.
std::string WavBytes(const float* pcm, int64_t n, int rate, int64_t wall_start,
                     int64_t wall_end) {
  std::string s;
  const uint32_t data = static_cast<uint32_t>(n * 4);
  s += "RIFF";
  Put32(&s, 4 + 26 + 12 + 24 + 8 + data);
  s += "WAVEfmt ";
  Put32(&s, 18);
  Put16(&s, 3);  // IEEE float
  Put16(&s, 1);
  Put32(&s, rate);
  Put32(&s, rate * 4);
  Put16(&s, 4);
  Put16(&s, 32);
  Put16(&s, 0);
  s += "fact";
  Put32(&s, 4);
  Put32(&s, static_cast<uint32_t>(n));
  s += "wclk";
  Put32(&s, 16);
  Put64(&s, wall_start);
  Put64(&s, wall_end);
  s += "data";
  Put32(&s, data);
  s.append(reinterpret_cast<const char*>(pcm), data);
  return s;
}
constexpr int64_t kWavHeader = 82;  // WavBytes' bytes before the samples

std::string EntryName(int64_t seq, int64_t start, int64_t end) {
  char buf[96];
  std::snprintf(buf, sizeof(buf), "utt-%08lld-%lld-%lld.wav",
                static_cast<long long>(seq), static_cast<long long>(start),
                static_cast<long long>(end));
  return buf;
}

std::string Today(char* wall, size_t wall_size) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char day[16];
  std::strftime(day, sizeof(day), "%Y-%m-%d", &tm);
  std::strftime(wall, wall_size, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return day;
}

Status AppendLine(const std::string& path, const std::string& line, bool sync) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return Errno("cannot open " + path);
  const std::string l = line + "\n";
  const ssize_t w = write(fd, l.data(), l.size());
  const int rc = sync ? fsync(fd) : 0;
  close(fd);
  if (w != static_cast<ssize_t>(l.size()) || rc != 0)
    return Errno("append to " + path);
  return Status::Ok();
}

}  // namespace

Result<Journal> Journal::Open(const std::string& dir, int rate, bool sync) {
  Journal j;
  j.sync_ = sync;
  j.dir_ = dir;
  j.rate_ = rate;
  EM_RETURN_IF_ERROR(MakeDir(dir));
  EM_RETURN_IF_ERROR(MakeDir(dir + "/journal"));
  DIR* d = opendir((dir + "/journal").c_str());
  if (!d) return Errno("cannot read " + dir + "/journal");
  while (dirent* e = readdir(d)) {
    long long seq = 0, start = 0, end = 0;
    char tail[8] = {0};
    if (std::sscanf(e->d_name, "utt-%lld-%lld-%lld.%3s", &seq, &start, &end,
                    tail) == 4 &&
        std::string(tail) == "wav" &&
        std::string(e->d_name) == EntryName(seq, start, end)) {
      JournalEntry x{seq, start, end, dir + "/journal/" + e->d_name};
      struct stat st;
      if (stat(x.path.c_str(), &st) == 0) x.written_s = st.st_mtime;
      j.entries_.push_back(x);
    }
  }
  closedir(d);
  std::sort(j.entries_.begin(), j.entries_.end(),
            [](const JournalEntry& a, const JournalEntry& b) {
              return a.seq < b.seq;
            });
  d = opendir(dir.c_str());
  if (!d) return Errno("cannot read " + dir);
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name.rfind("transcripts-", 0) != 0 || name.size() < 6 ||
        name.substr(name.size() - 6) != ".jsonl")
      continue;
    std::ifstream in(dir + "/" + name);
    std::string line;
    while (std::getline(in, line)) {
      // A torn last line (power loss mid-append) is not a transcript.
      auto js = nlohmann::json::parse(line, nullptr, false);
      if (js.is_object() && js.contains("seq") && js["seq"].is_number())
        j.transcribed_.insert(js["seq"].get<int64_t>());
    }
  }
  closedir(d);
  std::ifstream st(dir + "/state.json");
  if (st) {
    std::stringstream ss;
    ss << st.rdbuf();
    auto js = nlohmann::json::parse(ss.str(), nullptr, false);
    if (!js.is_object() || !js.contains("position"))
      return Corrupt(dir + "/state.json: not a listen state file");
    j.state_.input = js.value("input", std::string());
    j.state_.position = js.value("position", int64_t{0});
    j.state_.floor_db = js.value("floor_db", -70.f);
    j.state_.first_seq = js.value("first_seq", int64_t{1});
    j.state_.wall_origin_ns = js.value("wall_origin_ns", int64_t{0});
    j.next_seq_ = std::max(j.next_seq_, js.value("next_seq", int64_t{1}));
  }
  if (!j.entries_.empty())
    j.next_seq_ = std::max(j.next_seq_, j.entries_.back().seq + 1);
  if (!j.transcribed_.empty())
    j.next_seq_ = std::max(j.next_seq_, *j.transcribed_.rbegin() + 1);
  return j;
}

Status Journal::SaveState(const ResumeState& s) {
  nlohmann::ordered_json js = {
      {"input", s.input},       {"position", s.position},
      {"floor_db", s.floor_db}, {"first_seq", s.first_seq},
      {"next_seq", next_seq_},  {"wall_origin_ns", s.wall_origin_ns}};
  EM_RETURN_IF_ERROR(
      WriteDurable(dir_, dir_ + "/state.json", js.dump(), sync_));
  state_ = s;
  return Status::Ok();
}

Status Journal::Append(int64_t start, const float* pcm, int64_t n,
                       const ResumeState& after, JournalEntry* entry,
                       int64_t wall_start_ns, int64_t wall_end_ns) {
  for (const JournalEntry& e : entries_) {
    if (e.seq >= after.first_seq && e.start == start && e.end == start + n) {
      *entry = e;
      return SaveState(after);
    }
  }
  JournalEntry e;
  e.seq = next_seq();
  e.start = start;
  e.end = start + n;
  e.path = dir_ + "/journal/" + EntryName(e.seq, e.start, e.end);
  e.written_s = std::time(nullptr);
  e.wall_start_ns = wall_start_ns;
  e.wall_end_ns = wall_end_ns;
  EM_RETURN_IF_ERROR(
      WriteDurable(dir_ + "/journal", e.path,
                   WavBytes(pcm, n, rate_, wall_start_ns, wall_end_ns), sync_));
  entries_.push_back(e);
  next_seq_ = e.seq + 1;
  *entry = e;
  return SaveState(after);
}

Status Journal::AppendTranscript(const JournalEntry& e, const std::string& text,
                                 const std::string& extra_json) {
  char wall[32];
  const std::string day = Today(wall, sizeof(wall));
  nlohmann::ordered_json js = {{"seq", e.seq},
                               {"start", double(e.start) / rate_},
                               {"end", double(e.end) / rate_},
                               {"text", text},
                               {"wall", wall}};
  if (e.wall_start_ns != 0) {
    js["wall_start"] = FormatWallTime(e.wall_start_ns);
    js["wall_end"] = FormatWallTime(e.wall_end_ns);
  }
  if (!extra_json.empty()) {
    auto extra = nlohmann::json::parse(extra_json, nullptr, false);
    if (extra.is_object())
      for (auto& [k, v] : extra.items()) js[k] = v;
  }
  EM_RETURN_IF_ERROR(AppendLine(
      dir_ + "/transcripts-" + day + ".jsonl",
      js.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
      sync_));
  transcribed_.insert(e.seq);
  return Status::Ok();
}

Status Journal::AppendGap(int64_t at, int64_t frames, const char* cause) {
  nlohmann::ordered_json js = {
      {"at", double(at) / rate_}, {"frames", frames}, {"cause", cause}};
  return AppendLine(dir_ + "/gaps.jsonl", js.dump(), sync_);
}

Result<int> Journal::Prune(const JournalLimits& limits, int64_t now_s) {
  int64_t total = 0;
  for (const JournalEntry& e : entries_)
    total += kWavHeader + 4 * (e.end - e.start);
  int removed = 0;
  // Oldest first; entries without a transcript line are skipped, never
  // deleted.
  for (size_t i = 0; i < entries_.size();) {
    const JournalEntry& e = entries_[i];
    const bool too_old =
        limits.max_age_s > 0 && now_s - e.written_s > limits.max_age_s;
    const bool too_big = limits.max_bytes > 0 && total > limits.max_bytes;
    if (!transcribed_.count(e.seq) || !(too_old || too_big)) {
      ++i;
      continue;
    }
    if (unlink(e.path.c_str()) != 0 && errno != ENOENT)
      return Errno("cannot remove " + e.path);
    total -= kWavHeader + 4 * (e.end - e.start);
    entries_.erase(entries_.begin() + i);
    ++removed;
  }
  return removed;
}

std::vector<JournalEntry> Journal::Pending() const {
  std::vector<JournalEntry> out;
  for (const JournalEntry& e : entries_)
    if (!transcribed_.count(e.seq)) out.push_back(e);
  return out;
}

Result<JournalAudio> ReadJournalEntry(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(path + ": cannot open");
  std::string s((std::istreambuf_iterator<char>(in)),
                std::istreambuf_iterator<char>());
  if (s.size() < 12 || s.compare(0, 4, "RIFF") != 0 ||
      s.compare(8, 4, "WAVE") != 0)
    return Corrupt(path + ": not a journal WAV");
  JournalAudio a;
  // RIFF chunks: id, size, payload (padded to even sizes).
  for (size_t at = 12; at + 8 <= s.size();) {
    uint32_t size = 0;
    std::memcpy(&size, s.data() + at + 4, 4);
    const size_t body = at + 8;
    if (size > s.size() - body) return Corrupt(path + ": truncated");
    if (s.compare(at, 4, "wclk") == 0 && size >= 16) {
      std::memcpy(&a.wall_start_ns, s.data() + body, 8);
      std::memcpy(&a.wall_end_ns, s.data() + body + 8, 8);
    } else if (s.compare(at, 4, "data") == 0) {
      a.pcm.resize(size / 4);
      std::memcpy(a.pcm.data(), s.data() + body, a.pcm.size() * 4);
      return a;
    }
    at = body + size + (size & 1);
  }
  return Corrupt(path + ": no data chunk");
}

Result<std::vector<float>> ReadJournalWav(const std::string& path) {
  EM_ASSIGN_OR_RETURN(JournalAudio a, ReadJournalEntry(path));
  return std::move(a.pcm);
}

std::string FormatWallTime(int64_t wall_ns) {
  const std::time_t t = static_cast<std::time_t>(wall_ns / 1000000000);
  const int ms = static_cast<int>(wall_ns % 1000000000 / 1000000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char day[32];
  std::strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
  const long off = tm.tm_gmtoff / 60;  // minutes east of UTC
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s.%03d%c%02ld:%02ld", day, ms,
                off < 0 ? '-' : '+', std::labs(off) / 60, std::labs(off) % 60);
  return buf;
}

}  // namespace edgemma::media
