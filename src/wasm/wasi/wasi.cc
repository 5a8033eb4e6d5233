#include "wasm/wasi/wasi.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace weir::wasm::wasi {

using runtime::Caller;
using runtime::Memory;
using runtime::Value;

namespace {

// WASI errno values (preview1).
enum : int32_t {
  kSuccess = 0, kE2big = 1, kEacces = 2, kEagain = 6, kEbadf = 8, kEexist = 20, kEfault = 21,
  kEinval = 28, kEio = 29, kEisdir = 31, kEloop = 32, kEmfile = 33, kEnametoolong = 37,
  kEnoent = 44, kEnomem = 48, kEnospc = 51, kEnosys = 52, kEnotdir = 54, kEnotempty = 55,
  kEnotsup = 58, kEperm = 63, kEpipe = 64, kEspipe = 70, kEnotcapable = 76,
};

int32_t mapErrno(int e) {
  switch (e) {
    case 0: return kSuccess;
    case E2BIG: return kE2big;
    case EACCES: return kEacces;
    case EAGAIN: return kEagain;
    case EBADF: return kEbadf;
    case EEXIST: return kEexist;
    case EFAULT: return kEfault;
    case EINVAL: return kEinval;
    case EISDIR: return kEisdir;
    case ELOOP: return kEloop;
    case EMFILE: return kEmfile;
    case ENAMETOOLONG: return kEnametoolong;
    case ENOENT: return kEnoent;
    case ENOMEM: return kEnomem;
    case ENOSPC: return kEnospc;
    case ENOTDIR: return kEnotdir;
    case ENOTEMPTY: return kEnotempty;
    case EPERM: return kEperm;
    case EPIPE: return kEpipe;
    case ESPIPE: return kEspipe;
    default: return kEio;
  }
}

uint8_t fileType(mode_t m) {
  if (S_ISDIR(m)) return 3;
  if (S_ISREG(m)) return 4;
  if (S_ISCHR(m)) return 2;
  if (S_ISBLK(m)) return 1;
  if (S_ISLNK(m)) return 7;
  if (S_ISSOCK(m)) return 6;
  return 0;
}

// Guest memory view for one host call: every access is bounds-checked and a
// failed access turns into EFAULT.
struct Guest {
  Memory* mem;
  bool ok = true;

  uint8_t* ptr(uint64_t off, uint64_t len) {
    if (!mem) { ok = false; return nullptr; }
    auto s = mem->span(off, len);
    if (!s) { ok = false; return nullptr; }
    return s->data();
  }
  template <typename T>
  T get(uint64_t off) {
    T v{};
    if (uint8_t* p = ptr(off, sizeof(T))) std::memcpy(&v, p, sizeof(T));
    return v;
  }
  template <typename T>
  void put(uint64_t off, T v) {
    if (uint8_t* p = ptr(off, sizeof(T))) std::memcpy(p, &v, sizeof(T));
  }
};

struct Call {
  WasiContext& ctx;
  Caller& caller;
  const Value* a;
  Guest g;
  bool unstable;  // wasi_unstable (different fd_seek whence encoding)
  uint32_t u(int i) const { return static_cast<uint32_t>(a[i].i32); }
  uint64_t u64(int i) const { return static_cast<uint64_t>(a[i].i64); }
  WasiContext::Fd* fd(int i) {
    uint32_t n = u(i);
    if (n >= ctx.fds().size() || ctx.fds()[n].host_fd < 0) return nullptr;
    return &ctx.fds()[n];
  }
};

using Impl = int32_t (*)(Call& c);

int32_t stringsSizes(Call& c, const std::vector<std::string>& v) {
  uint32_t total = 0;
  for (const auto& s : v) total += static_cast<uint32_t>(s.size() + 1);
  c.g.put<uint32_t>(c.u(0), static_cast<uint32_t>(v.size()));
  c.g.put<uint32_t>(c.u(1), total);
  return c.g.ok ? kSuccess : kEfault;
}
int32_t stringsGet(Call& c, const std::vector<std::string>& v) {
  uint32_t ptrs = c.u(0), buf = c.u(1);
  for (size_t i = 0; i < v.size(); ++i) {
    c.g.put<uint32_t>(ptrs + 4 * i, buf);
    if (uint8_t* p = c.g.ptr(buf, v[i].size() + 1)) std::memcpy(p, v[i].c_str(), v[i].size() + 1);
    buf += static_cast<uint32_t>(v[i].size() + 1);
  }
  return c.g.ok ? kSuccess : kEfault;
}

int32_t argsSizesGet(Call& c) { return stringsSizes(c, c.ctx.config().args); }
int32_t argsGet(Call& c) { return stringsGet(c, c.ctx.config().args); }
int32_t environSizesGet(Call& c) { return stringsSizes(c, c.ctx.config().env); }
int32_t environGet(Call& c) { return stringsGet(c, c.ctx.config().env); }

bool clockId(uint32_t id, clockid_t& out) {
  switch (id) {
    case 0: out = CLOCK_REALTIME; return true;
    case 1: out = CLOCK_MONOTONIC; return true;
    case 2: out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case 3: out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
  }
}
int32_t clockResGet(Call& c) {
  clockid_t id;
  if (!clockId(c.u(0), id)) return kEinval;
  timespec ts{};
  clock_getres(id, &ts);
  c.g.put<uint64_t>(c.u(1), uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec));
  return c.g.ok ? kSuccess : kEfault;
}
int32_t clockTimeGet(Call& c) {
  clockid_t id;
  if (!clockId(c.u(0), id)) return kEinval;
  timespec ts{};
  clock_gettime(id, &ts);
  c.g.put<uint64_t>(c.u(2), uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec));
  return c.g.ok ? kSuccess : kEfault;
}
int32_t randomGet(Call& c) {
  uint8_t* p = c.g.ptr(c.u(0), c.u(1));
  if (!p) return kEfault;
  size_t done = 0;
  while (done < c.u(1)) {
    ssize_t n = getrandom(p + done, c.u(1) - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return mapErrno(errno);
    }
    done += static_cast<size_t>(n);
  }
  return kSuccess;
}

// Gathers guest iovecs into host iovecs (bounded count).
constexpr uint32_t kMaxIovs = 1024;
bool gatherIovs(Call& c, uint32_t iovs, uint32_t n, std::vector<iovec>& out) {
  if (n > kMaxIovs) return false;
  out.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t base = c.g.get<uint32_t>(iovs + 8 * i);
    uint32_t len = c.g.get<uint32_t>(iovs + 8 * i + 4);
    uint8_t* p = len ? c.g.ptr(base, len) : nullptr;
    if (!c.g.ok) return false;
    out[i] = iovec{p, len};
  }
  return true;
}
int32_t fdWrite(Call& c) {
  auto* f = c.fd(0);
  if (!f || f->is_dir) return kEbadf;
  std::vector<iovec> v;
  if (!gatherIovs(c, c.u(1), c.u(2), v)) return kEfault;
  ssize_t n = writev(f->host_fd, v.data(), static_cast<int>(v.size()));
  if (n < 0) return mapErrno(errno);
  c.g.put<uint32_t>(c.u(3), static_cast<uint32_t>(n));
  return c.g.ok ? kSuccess : kEfault;
}
int32_t fdRead(Call& c) {
  auto* f = c.fd(0);
  if (!f || f->is_dir) return kEbadf;
  std::vector<iovec> v;
  if (!gatherIovs(c, c.u(1), c.u(2), v)) return kEfault;
  ssize_t n = readv(f->host_fd, v.data(), static_cast<int>(v.size()));
  if (n < 0) return mapErrno(errno);
  c.g.put<uint32_t>(c.u(3), static_cast<uint32_t>(n));
  return c.g.ok ? kSuccess : kEfault;
}
int32_t fdClose(Call& c) {
  auto* f = c.fd(0);
  if (!f) return kEbadf;
  if (f->owned) close(f->host_fd);
  f->host_fd = -1;
  return kSuccess;
}
int32_t fdSeek(Call& c) {
  auto* f = c.fd(0);
  if (!f || f->is_dir) return kEbadf;
  int whence;
  uint32_t w = c.u(2);
  if (c.unstable) whence = w == 0 ? SEEK_CUR : w == 1 ? SEEK_END : w == 2 ? SEEK_SET : -1;
  else whence = w == 0 ? SEEK_SET : w == 1 ? SEEK_CUR : w == 2 ? SEEK_END : -1;
  if (whence < 0) return kEinval;
  off_t r = lseek(f->host_fd, static_cast<off_t>(c.a[1].i64), whence);
  if (r < 0) return mapErrno(errno);
  c.g.put<uint64_t>(c.u(3), static_cast<uint64_t>(r));
  return c.g.ok ? kSuccess : kEfault;
}
int32_t fdTell(Call& c) {
  auto* f = c.fd(0);
  if (!f || f->is_dir) return kEbadf;
  off_t r = lseek(f->host_fd, 0, SEEK_CUR);
  if (r < 0) return mapErrno(errno);
  c.g.put<uint64_t>(c.u(1), static_cast<uint64_t>(r));
  return c.g.ok ? kSuccess : kEfault;
}
int32_t fdFdstatGet(Call& c) {
  auto* f = c.fd(0);
  if (!f) return kEbadf;
  struct stat st {};
  if (fstat(f->host_fd, &st) != 0) return mapErrno(errno);
  uint32_t p = c.u(1);
  int fl = fcntl(f->host_fd, F_GETFL);
  uint16_t flags = (fl >= 0 && (fl & O_APPEND)) ? 1 : 0;
  c.g.put<uint8_t>(p, fileType(st.st_mode));
  c.g.put<uint16_t>(p + 2, flags);
  c.g.put<uint64_t>(p + 8, ~uint64_t{0});   // rights are not narrowed per fd
  c.g.put<uint64_t>(p + 16, ~uint64_t{0});
  return c.g.ok ? kSuccess : kEfault;
}
int32_t fdPrestatGet(Call& c) {
  auto* f = c.fd(0);
  if (!f || !f->preopen) return kEbadf;
  c.g.put<uint8_t>(c.u(1), 0);
  c.g.put<uint32_t>(c.u(1) + 4, static_cast<uint32_t>(f->guest_path.size()));
  return c.g.ok ? kSuccess : kEfault;
}
int32_t fdPrestatDirName(Call& c) {
  auto* f = c.fd(0);
  if (!f || !f->preopen) return kEbadf;
  if (c.u(2) < f->guest_path.size()) return kEnametoolong;
  uint8_t* p = c.g.ptr(c.u(1), f->guest_path.size());
  if (!p) return kEfault;
  std::memcpy(p, f->guest_path.data(), f->guest_path.size());
  return kSuccess;
}

void putFilestat(Call& c, uint32_t p, const struct stat& st) {
  c.g.put<uint64_t>(p, st.st_dev);
  c.g.put<uint64_t>(p + 8, st.st_ino);
  c.g.put<uint8_t>(p + 16, fileType(st.st_mode));
  c.g.put<uint64_t>(p + 24, st.st_nlink);
  c.g.put<uint64_t>(p + 32, static_cast<uint64_t>(st.st_size));
  auto ns = [](const timespec& t) { return uint64_t(t.tv_sec) * 1000000000ull + uint64_t(t.tv_nsec); };
  c.g.put<uint64_t>(p + 40, ns(st.st_atim));
  c.g.put<uint64_t>(p + 48, ns(st.st_mtim));
  c.g.put<uint64_t>(p + 56, ns(st.st_ctim));
}
int32_t fdFilestatGet(Call& c) {
  auto* f = c.fd(0);
  if (!f) return kEbadf;
  struct stat st {};
  if (fstat(f->host_fd, &st) != 0) return mapErrno(errno);
  putFilestat(c, c.u(1), st);
  return c.g.ok ? kSuccess : kEfault;
}

// Resolves `path` below directory fd `dir` without leaving it: no absolute
// paths, ".." only within what was walked, no symlinks (O_NOFOLLOW on every
// component). On success returns an fd for the parent directory (caller
// closes if != dir) and the final component in `leaf`.
constexpr size_t kMaxPathComponents = 256;
int32_t walkToParent(int dir, const std::string& path, int& parent, std::string& leaf) {
  if (path.empty()) return kEnoent;
  if (path[0] == '/') return kEnotcapable;
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string comp = path.substr(start, slash - start);
    if (!comp.empty() && comp != ".") parts.push_back(comp);
    start = slash + 1;
    if (parts.size() > kMaxPathComponents) return kEnametoolong;
  }
  if (parts.empty()) parts.push_back(".");
  leaf = parts.back();
  parts.pop_back();
  if (leaf == "..") {
    parts.push_back("..");
    leaf = ".";
  }
  std::vector<int> stack;  // opened directories below `dir`
  auto top = [&] { return stack.empty() ? dir : stack.back(); };
  for (const std::string& comp : parts) {
    if (comp == "..") {
      if (stack.empty()) return kEnotcapable;
      close(stack.back());
      stack.pop_back();
      continue;
    }
    int fd = openat(top(), comp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      int e = errno;
      for (int s : stack) close(s);
      return e == ELOOP ? kEnotcapable : mapErrno(e);
    }
    stack.push_back(fd);
  }
  parent = top();
  for (size_t i = 0; i + 1 < stack.size(); ++i) close(stack[i]);
  return kSuccess;
}

std::string guestString(Call& c, uint32_t ptr, uint32_t len, bool& ok) {
  uint8_t* p = c.g.ptr(ptr, len);
  ok = p != nullptr || len == 0;
  return p ? std::string(reinterpret_cast<char*>(p), len) : std::string();
}

int32_t pathOpen(Call& c) {
  auto* d = c.fd(0);
  if (!d || !d->is_dir) return kEbadf;
  bool ok;
  std::string path = guestString(c, c.u(2), c.u(3), ok);
  if (!ok) return kEfault;
  uint32_t oflags = c.u(4);
  uint64_t rights = c.u64(5);
  uint32_t fdflags = c.u(7);
  int parent;
  std::string leaf;
  int32_t e = walkToParent(d->host_fd, path, parent, leaf);
  if (e != kSuccess) return e;
  int flags = O_CLOEXEC | O_NOFOLLOW;
  bool want_write = rights & ((1ull << 6) | (1ull << 4) | (1ull << 3));  // fd_write, allocate, filestat_set_size
  bool want_read = rights & ((1ull << 1) | (1ull << 14));                // fd_read, fd_readdir
  if (oflags & 2) flags |= O_DIRECTORY;
  if (oflags & 1) flags |= O_CREAT;
  if (oflags & 4) flags |= O_EXCL;
  if (oflags & 8) flags |= O_TRUNC;
  if (fdflags & 1) flags |= O_APPEND;
  if ((oflags & 2) == 0 && want_write) flags |= want_read ? O_RDWR : O_WRONLY;
  else flags |= O_RDONLY;
  int fd = openat(parent, leaf.c_str(), flags, 0644);
  int err = errno;
  if (fd < 0 && err == EISDIR && (flags & (O_WRONLY | O_RDWR))) {
    fd = openat(parent, leaf.c_str(), (flags & ~(O_WRONLY | O_RDWR)) | O_RDONLY);
    err = errno;
  }
  if (parent != d->host_fd) close(parent);
  if (fd < 0) return err == ELOOP ? kEnotcapable : mapErrno(err);
  struct stat st {};
  fstat(fd, &st);
  WasiContext::Fd entry;
  entry.host_fd = fd;
  entry.is_dir = S_ISDIR(st.st_mode);
  auto& fds = c.ctx.fds();
  size_t slot = fds.size();
  for (size_t i = 3; i < fds.size(); ++i) {
    if (fds[i].host_fd < 0) { slot = i; break; }
  }
  if (slot == fds.size()) fds.push_back(entry);
  else fds[slot] = entry;
  c.g.put<uint32_t>(c.u(8), static_cast<uint32_t>(slot));
  return c.g.ok ? kSuccess : kEfault;
}

int32_t pathFilestatGet(Call& c) {
  auto* d = c.fd(0);
  if (!d || !d->is_dir) return kEbadf;
  bool ok;
  std::string path = guestString(c, c.u(2), c.u(3), ok);
  if (!ok) return kEfault;
  int parent;
  std::string leaf;
  int32_t e = walkToParent(d->host_fd, path, parent, leaf);
  if (e != kSuccess) return e;
  struct stat st {};
  int r = fstatat(parent, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW);
  int err = errno;
  if (parent != d->host_fd) close(parent);
  if (r != 0) return mapErrno(err);
  putFilestat(c, c.u(4), st);
  return c.g.ok ? kSuccess : kEfault;
}

int32_t fdReaddir(Call& c) {
  auto* f = c.fd(0);
  if (!f || !f->is_dir) return kEbadf;
  uint32_t buf = c.u(1), len = c.u(2);
  uint64_t cookie = c.u64(3);
  int dup_fd = openat(f->host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup_fd < 0) return mapErrno(errno);
  DIR* dir = fdopendir(dup_fd);
  if (!dir) {
    close(dup_fd);
    return mapErrno(errno);
  }
  uint32_t used = 0;
  uint64_t index = 0;
  while (used < len) {
    dirent* de = readdir(dir);
    if (!de) break;
    if (index++ < cookie) continue;
    size_t namelen = std::strlen(de->d_name);
    uint8_t header[24] = {};
    uint64_t next = index;
    uint64_t ino = de->d_ino;
    uint32_t nl = static_cast<uint32_t>(namelen);
    std::memcpy(header, &next, 8);
    std::memcpy(header + 8, &ino, 8);
    std::memcpy(header + 16, &nl, 4);
    header[20] = de->d_type == DT_DIR ? 3 : de->d_type == DT_REG ? 4 : de->d_type == DT_LNK ? 7 : 0;
    // Entries are truncated at the end of the buffer; the guest sees
    // bufused == buf_len and asks again with the last cookie.
    std::string rec(reinterpret_cast<char*>(header), 24);
    rec.append(de->d_name, namelen);
    uint32_t n = std::min<uint32_t>(static_cast<uint32_t>(rec.size()), len - used);
    uint8_t* p = c.g.ptr(buf + used, n);
    if (!p) break;
    std::memcpy(p, rec.data(), n);
    used += n;
  }
  closedir(dir);
  c.g.put<uint32_t>(c.u(4), used);
  return c.g.ok ? kSuccess : kEfault;
}

int32_t schedYield(Call&) {
  sched_yield();
  return kSuccess;
}

int32_t pollOneoff(Call& c) {
  uint32_t in = c.u(0), out = c.u(1), n = c.u(2);
  if (n == 0) return kEinval;
  if (n > 4096) return kEinval;
  // Clock subscriptions: sleep until the earliest one, then report it. Other
  // kinds (fd readiness) report ENOTSUP in their event.
  uint64_t min_timeout = UINT64_MAX;
  uint32_t events = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t s = in + 48 * i;
    uint8_t tag = c.g.get<uint8_t>(s + 8);
    if (tag == 0) {
      uint64_t timeout = c.g.get<uint64_t>(s + 24);
      uint16_t flags = c.g.get<uint16_t>(s + 40);
      if (flags & 1) {  // absolute time
        timespec now{};
        clock_gettime(CLOCK_MONOTONIC, &now);
        uint64_t now_ns = uint64_t(now.tv_sec) * 1000000000ull + uint64_t(now.tv_nsec);
        timeout = timeout > now_ns ? timeout - now_ns : 0;
      }
      min_timeout = std::min(min_timeout, timeout);
    }
  }
  if (!c.g.ok) return kEfault;
  if (min_timeout != UINT64_MAX) {
    timespec ts{static_cast<time_t>(min_timeout / 1000000000ull), static_cast<long>(min_timeout % 1000000000ull)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
  }
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t s = in + 48 * i;
    uint8_t tag = c.g.get<uint8_t>(s + 8);
    uint32_t e = out + 32 * events;
    if (tag == 0 && c.g.get<uint64_t>(s + 24) != min_timeout && (c.g.get<uint16_t>(s + 40) & 1) == 0) continue;
    c.g.put<uint64_t>(e, c.g.get<uint64_t>(s));
    c.g.put<uint16_t>(e + 8, tag == 0 ? 0 : kEnotsup);
    c.g.put<uint8_t>(e + 10, tag);
    ++events;
  }
  c.g.put<uint32_t>(c.u(3), events);
  return c.g.ok ? kSuccess : kEfault;
}

int32_t notImplemented(Call&) { return kEnosys; }

struct Entry {
  const char* name;
  const char* sig;  // parameter types: i = i32, I = i64; result is always i32 errno
  Impl impl;
};

const Entry kFunctions[] = {
    {"args_get", "ii", argsGet},
    {"args_sizes_get", "ii", argsSizesGet},
    {"environ_get", "ii", environGet},
    {"environ_sizes_get", "ii", environSizesGet},
    {"clock_res_get", "ii", clockResGet},
    {"clock_time_get", "iIi", clockTimeGet},
    {"fd_advise", "iIIi", notImplemented},
    {"fd_allocate", "iII", notImplemented},
    {"fd_close", "i", fdClose},
    {"fd_datasync", "i", notImplemented},
    {"fd_fdstat_get", "ii", fdFdstatGet},
    {"fd_fdstat_set_flags", "ii", notImplemented},
    {"fd_fdstat_set_rights", "iII", notImplemented},
    {"fd_filestat_get", "ii", fdFilestatGet},
    {"fd_filestat_set_size", "iI", notImplemented},
    {"fd_filestat_set_times", "iIIi", notImplemented},
    {"fd_pread", "iiiIi", notImplemented},
    {"fd_prestat_get", "ii", fdPrestatGet},
    {"fd_prestat_dir_name", "iii", fdPrestatDirName},
    {"fd_pwrite", "iiiIi", notImplemented},
    {"fd_read", "iiii", fdRead},
    {"fd_readdir", "iiiIi", fdReaddir},
    {"fd_renumber", "ii", notImplemented},
    {"fd_seek", "iIii", fdSeek},
    {"fd_sync", "i", notImplemented},
    {"fd_tell", "ii", fdTell},
    {"fd_write", "iiii", fdWrite},
    {"path_create_directory", "iii", notImplemented},
    {"path_filestat_get", "iiiii", pathFilestatGet},
    {"path_filestat_set_times", "iiiiIIi", notImplemented},
    {"path_link", "iiiiiii", notImplemented},
    {"path_open", "iiiiiIIii", pathOpen},
    {"path_readlink", "iiiiii", notImplemented},
    {"path_remove_directory", "iii", notImplemented},
    {"path_rename", "iiiiii", notImplemented},
    {"path_symlink", "iiiii", notImplemented},
    {"path_unlink_file", "iii", notImplemented},
    {"poll_oneoff", "iiii", pollOneoff},
    {"proc_raise", "i", notImplemented},
    {"sched_yield", "", schedYield},
    {"random_get", "ii", randomGet},
    {"sock_accept", "iii", notImplemented},
    {"sock_recv", "iiiiii", notImplemented},
    {"sock_send", "iiiii", notImplemented},
    {"sock_shutdown", "ii", notImplemented},
};

struct Binding {
  WasiContext* ctx;
  Impl impl;
  bool unstable;
};

Status trampoline(Caller& caller, void* user, const Value* args, Value* results) {
  auto* b = static_cast<Binding*>(user);
  Call c{*b->ctx, caller, args, Guest{caller.memory()}, b->unstable};
  results[0] = Value::fromI32(b->impl(c));
  return Status::ok();
}

Status procExit(Caller& caller, void*, const Value* args, Value*) {
  caller.exit(args[0].i32);
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<WasiContext>> WasiContext::create(WasiConfig config) {
  std::unique_ptr<WasiContext> ctx(new WasiContext(std::move(config)));
  const WasiConfig& cfg = ctx->config_;
  ctx->fds_.push_back(Fd{cfg.stdin_fd, false, false, false, {}});
  ctx->fds_.push_back(Fd{cfg.stdout_fd, false, false, false, {}});
  ctx->fds_.push_back(Fd{cfg.stderr_fd, false, false, false, {}});
  for (const auto& [guest, host] : cfg.preopens) {
    int fd = open(host.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ioError("cannot open directory " + host + ": " + std::strerror(errno));
    ctx->fds_.push_back(Fd{fd, true, true, true, guest});
  }
  return ctx;
}

WasiContext::~WasiContext() {
  for (Fd& f : fds_) {
    if (f.owned && f.host_fd >= 0) close(f.host_fd);
  }
}

void WasiContext::define(runtime::Linker& linker) {
  for (const char* module : {"wasi_snapshot_preview1", "wasi_unstable"}) {
    bool unstable = std::strcmp(module, "wasi_unstable") == 0;
    for (const Entry& e : kFunctions) {
      std::vector<ValType> params;
      for (const char* p = e.sig; *p; ++p) params.push_back(*p == 'I' ? ValType::kI64 : ValType::kI32);
      std::vector<ValType> results{ValType::kI32};
      auto binding = std::make_shared<Binding>(Binding{this, e.impl, unstable});
      linker.defineFunc(module, e.name, FuncType(params, results), &trampoline, binding.get());
      bindings_.push_back(std::move(binding));
    }
    linker.defineFunc(module, "proc_exit", FuncType({ValType::kI32}, {}), &procExit, nullptr);
  }
}

RunOutcome runStart(runtime::Instance& instance) {
  RunOutcome out;
  auto start = instance.exportedFunction("_start");
  if (!start) {
    out.trap = runtime::Trap{runtime::TrapKind::kHostError, "module has no _start export", {}, 0};
    out.exit_code = 1;
    return out;
  }
  if (auto trap = instance.call(*start, {}, {})) {
    if (trap->kind == runtime::TrapKind::kExit) {
      out.exit_code = trap->exit_code;
    } else {
      out.trap = std::move(trap);
      out.exit_code = 134;
    }
  }
  return out;
}

}  // namespace weir::wasm::wasi
