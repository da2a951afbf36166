/*
 * cli-standin: plays `claude -p --input-format=stream-json --output-format=stream-json
 * --verbose ...` by replaying recorded real-CLI output (test/fixtures/cli; see README.md).
 *
 * Each stdin `user` line is one turn: the next turn segment of a recording (its lines up to and
 * including a `result`), byte for byte, except that every UUID is mapped to a fresh one and the
 * recording's session id to this process's. Nothing is parsed or re-encoded beyond finding a
 * few keys, so the output equals the recording by construction, and a line costs one memcpy
 * and one write(). C99 + POSIX + Linux (ppoll, getrandom).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef STANDIN_DEFAULT_DIR /* build.ts bakes in the absolute path of test/fixtures/cli */
#define STANDIN_DEFAULT_DIR "test/fixtures/cli"
#endif
#define LINE_CAP (64L << 20) /* longest stdin line we buffer */
#define FILE_CAP (1L << 30)  /* largest recording or transcript we map */
#define MAX_RECS 32
#define MAX_SEGS 64
#define MAX_QUEUE 1024 /* user messages waiting for the running turn */
#define HEADROOM 48    /* room for the stamp key in front of a rendered line */
#define NS 1000000000LL
#define GROW(a, n, cap) \
  if ((n) == (cap)) (a) = xrealloc((a), (size_t)((cap) = 2 * (cap) + 16) * sizeof *(a))

typedef struct { size_t off; int id; } Slot; /* a UUID at `off`: entry `id` of the uuid table */
typedef struct {
  const char *p;
  size_t len;
  int slot0, nslot; /* its UUIDs: slots[slot0 .. slot0 + nslot) */
  char result, is_error;
} Blob;
typedef struct {
  char name[64];
  Blob *out, *tr, err; /* stdout lines, transcript records, stderr text */
  int nout, ntr, exit_code;
  int seg_end[MAX_SEGS], nseg;  /* each turn segment's `result` line */
  int tr_start[MAX_SEGS], ntrs; /* each turn's first transcript record */
  int ctrl, ctrl_end;           /* the control_response line, the result after it (-1: none) */
  size_t rid_off, rid_len;      /* the control_response's request_id */
  Slot *slots;
  char (*orig)[37], (*fresh)[37]; /* recorded UUIDs and what they print as now */
  int nslots, cslots, nuuid, cuuid, session, last_seg;
} Rec;
typedef struct { char rec[64]; long pace, after; int fault; long long bytes; } Turn;
enum { NONE, CRASH, HANG, FLOOD };

static Rec recs[MAX_RECS];
static int nrecs, stamp, stdin_open = 1, last_error, turns, qhead, qlen;
static const char *dir, *default_rec = "text";
static char sid[37]; /* this process's session id */
static long default_pace;
static Turn queue[MAX_QUEUE];
static struct {
  Rec *r;             /* lines come from r->out[pos .. end] */
  int pos, end, tseg; /* r's transcript segment tseg is written just before the result */
  int active, hung, fault, fault_done;
  long pace, after, written;
  long long bytes, due; /* due: CLOCK_MONOTONIC ns of the next line */
} T;
static char *obuf, *ibuf;
static size_t ocap, icap, ilen;

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("cli-standin: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}
static void *xrealloc(void *p, size_t n) {
  if (!(p = realloc(p, n ? n : 1))) die("out of memory");
  return p;
}
static long long mono_ns(void) {
  struct timespec t;
  if (clock_gettime(CLOCK_MONOTONIC, &t)) die("clock_gettime: %s", strerror(errno));
  return t.tv_sec * NS + t.tv_nsec;
}
static int starts(const char *p, const char *end, const char *lit) {
  size_t n = strlen(lit);
  return p && (size_t)(end - p) >= n && !memcmp(p, lit, n);
}
static int alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A reader that went away is nothing to report: end quietly (SIGPIPE is ignored). */
static void write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EAGAIN) { /* someone handed us a non-blocking pipe: wait for room */
      struct pollfd pf = {fd, POLLOUT, 0};
      if (poll(&pf, 1, -1) < 0 && errno != EINTR) die("poll: %s", strerror(errno));
    } else if (w < 0 && errno == EPIPE) _exit(0);
    else if (w < 0 && errno != EINTR) die("write: %s", strerror(errno));
    else if (w > 0) p += w, n -= (size_t)w;
  }
}

static void new_uuid(char out[37]) {
  static unsigned char pool[256];
  static size_t left;
  static const char hex[] = "0123456789abcdef";
  while (left < 16) { /* getrandom is never short for <= 256 bytes, but may be EINTR */
    ssize_t n = getrandom(pool, sizeof pool, 0);
    if (n == (ssize_t)sizeof pool) left = sizeof pool;
    else if (n < 0 && errno != EINTR) die("getrandom: %s", strerror(errno));
  }
  unsigned char *b = pool + sizeof pool - left;
  left -= 16;
  b[6] = (b[6] & 0x0f) | 0x40, b[8] = (b[8] & 0x3f) | 0x80; /* version 4, RFC 4122 variant */
  for (int i = 0, j = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[j++] = '-';
    out[j++] = hex[b[i] >> 4], out[j++] = hex[b[i] & 15];
  }
  out[36] = 0;
}
static int is_uuid(const char *s, size_t len) {
  if (len < 36) return 0;
  for (int i = 0; i < 36; i++) {
    int dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
  }
  return 1;
}

/*
 * The value after the first `"key":` at nesting depth `depth` (1: the top-level object), or
 * NULL. Just enough JSON to classify lines: strings are skipped, escapes honoured.
 */
static const char *jfind(const char *p, const char *end, const char *key, int depth) {
  size_t klen = strlen(key);
  for (int d = 0; p < end; p++) {
    if (*p == '{' || *p == '[') d++;
    else if (*p == '}' || *p == ']') d--;
    else if (*p == '"') {
      const char *q = p + 1, *v;
      while (q < end && *q != '"') q += *q == '\\' ? 2 : 1;
      if (q >= end) return NULL;
      for (v = q + 1; v < end && (*v == ' ' || *v == '\t');) v++;
      if (v < end && *v == ':' && d == depth && (size_t)(q - p - 1) == klen && !memcmp(p + 1, key, klen)) {
        for (v++; v < end && (*v == ' ' || *v == '\t');) v++;
        return v;
      }
      p = q;
    }
  }
  return NULL;
}
/* A string value's raw (still escaped) bytes, or NULL. */
static const char *jstr(const char *p, const char *end, const char *key, int depth, size_t *len) {
  const char *v = jfind(p, end, key, depth), *q;
  if (!v || *v != '"') return NULL;
  for (q = ++v; q < end && *q != '"';) q += *q == '\\' ? 2 : 1;
  *len = (size_t)(q - v);
  return q < end ? v : NULL;
}

static const char *map_file(const char *path, size_t *len, int must) {
  struct stat st;
  const char *p = "";
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && !must && errno == ENOENT) return NULL;
  if (fd < 0 || fstat(fd, &st)) die("%s: %s", path, strerror(errno));
  if (st.st_size > FILE_CAP) die("%s: larger than 1 GiB", path);
  if ((*len = (size_t)st.st_size) > 0 && (p = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED)
    die("%s: mmap: %s", path, strerror(errno));
  close(fd);
  return p;
}

/* Finds a line's (or text's) UUIDs, adding new ones to the recording's table. */
static Blob scan(Rec *r, const char *p, size_t len) {
  Blob b = {p, len, r->nslots, 0, 0, 0};
  const char *end = p + len;
  for (size_t i = 0; i + 36 <= len; i++) {
    if (p[i + 8] != '-' || !is_uuid(p + i, len - i)) continue;
    if ((i > 0 && alnum(p[i - 1])) || (i + 36 < len && alnum(p[i + 36]))) continue;
    int id = 0;
    while (id < r->nuuid && memcmp(r->orig[id], p + i, 36)) id++;
    if (id == r->nuuid) {
      GROW(r->orig, r->nuuid, r->cuuid);
      memcpy(r->orig[id], p + i, 36), r->orig[id][36] = 0, r->nuuid++;
    }
    GROW(r->slots, r->nslots, r->cslots);
    r->slots[r->nslots++] = (Slot){i, id}, b.nslot++, i += 35;
  }
  b.result = starts(jfind(p, end, "type", 1), end, "\"result\"");
  b.is_error = starts(jfind(p, end, "is_error", 1), end, "true");
  return b;
}
static Blob *split(Rec *r, const char *p, size_t len, int *n) {
  size_t cap = 1;
  for (size_t i = 0; i < len; i++) cap += p[i] == '\n';
  Blob *b = xrealloc(NULL, cap * sizeof *b);
  *n = 0;
  for (size_t i = 0, e; i < len; i = e + 1) {
    const char *nl = memchr(p + i, '\n', len - i);
    e = nl ? (size_t)(nl - p) : len;
    if (e > i) b[(*n)++] = scan(r, p + i, e - i);
  }
  return b;
}

/* Replaying a segment again is a new conversation: fresh ids for all but the session's. */
static void begin_seg(Rec *r, int seg) {
  if (seg <= r->last_seg)
    for (int i = 0; i < r->nuuid; i++) if (i != r->session) new_uuid(r->fresh[i]);
  r->last_seg = seg;
}

static Rec *load(const char *name) {
  for (int i = 0; i < nrecs; i++) if (!strcmp(recs[i].name, name)) return &recs[i];
  if (nrecs == MAX_RECS) die("more than %d recordings", MAX_RECS);
  Rec *r = &recs[nrecs];
  char path[PATH_MAX];
  size_t len, slen;
  const char *p, *s;
  snprintf(r->name, sizeof r->name, "%s", name);
#define FILE_OF(suffix) \
  (snprintf(path, sizeof path, "%s/%s%s", dir, name, suffix) < (int)sizeof path ? path : (die("path too long"), ""))
  p = map_file(FILE_OF(".jsonl"), &len, 1);
  if (!(r->out = split(r, p, len, &r->nout)) || r->nout == 0) die("%s: no lines", path);
  if ((p = map_file(FILE_OF(".transcript.jsonl"), &len, 0))) r->tr = split(r, p, len, &r->ntr);
  if ((p = map_file(FILE_OF(".stderr"), &len, 0))) r->err = scan(r, p, len);
  r->exit_code = 1; /* how the CLI exits when it fails at start-up (resume_missing.meta.json) */
  if ((p = map_file(FILE_OF(".meta.json"), &len, 0)) && (p = memmem(p, len, "\"exitCode\": ", 12)))
    r->exit_code = atoi(p + 12); /* the pretty-printed file goes on after the number: atoi stops */
  /* Segments: on stdout each turn ends with a `result`; in the transcript each begins with an enqueue. */
  r->ctrl = r->ctrl_end = -1;
  for (int i = 0; i < r->nout; i++) {
    const char *l = r->out[i].p, *e = l + r->out[i].len;
    if (r->out[i].result && r->nseg < MAX_SEGS) r->seg_end[r->nseg++] = i;
    if (r->out[i].result && r->ctrl >= 0 && r->ctrl_end < 0) r->ctrl_end = i;
    if (r->ctrl < 0 && starts(jfind(l, e, "type", 1), e, "\"control_response\"") &&
        (s = jstr(l, e, "request_id", 2, &r->rid_len)))
      r->ctrl = i, r->rid_off = (size_t)(s - l);
  }
  if (r->nseg == 0) r->seg_end[r->nseg++] = r->nout - 1; /* no result: all one segment */
  r->tr_start[r->ntrs++] = 0;
  for (int i = 1; i < r->ntr && r->ntrs < MAX_SEGS; i++) {
    const char *l = r->tr[i].p, *e = l + r->tr[i].len;
    if (starts(jfind(l, e, "type", 1), e, "\"queue-operation\"") &&
        starts(jfind(l, e, "operation", 1), e, "\"enqueue\""))
      r->tr_start[r->ntrs++] = i;
  }
  s = jstr(r->out[0].p, r->out[0].p + r->out[0].len, "session_id", 1, &slen);
  r->session = -1;
  for (int i = 0; s && slen == 36 && i < r->nuuid; i++) if (!memcmp(r->orig[i], s, 36)) r->session = i;
  r->fresh = xrealloc(NULL, (size_t)r->nuuid * 37 + 1);
  for (int i = 0; i < r->nuuid; i++) new_uuid(r->fresh[i]);
  if (r->session >= 0) memcpy(r->fresh[r->session], sid, 37);
  r->last_seg = -1;
  nrecs++;
  return r;
}

/* Renders a blob with its UUIDs mapped at obuf + HEADROOM (it may move obuf); returns the length. */
static size_t render(const Rec *r, const Blob *b, int newline) {
  if (ocap < HEADROOM + b->len + 1) obuf = xrealloc(obuf, ocap = HEADROOM + b->len + 1);
  char *o = obuf + HEADROOM;
  size_t at = 0;
  for (int k = 0; k < b->nslot; k++) {
    const Slot *s = &r->slots[b->slot0 + k];
    memcpy(o, b->p + at, s->off - at), o += s->off - at;
    memcpy(o, r->fresh[s->id], 36), o += 36, at = s->off + 36;
  }
  memcpy(o, b->p + at, b->len - at), o += b->len - at;
  if (newline) *o++ = '\n';
  return (size_t)(o - (obuf + HEADROOM));
}
/*
 * Writes one stdout line with one write(). With stamps the wall clock is read just before it
 * and put in as the first key; `body` must have HEADROOM bytes of room in front.
 */
static void emit(char *body, size_t len) {
  if (stamp && len > 2 && body[0] == '{') {
    char pre[HEADROOM];
    struct timespec t;
    if (clock_gettime(CLOCK_REALTIME, &t)) die("clock_gettime: %s", strerror(errno));
    long long ms = (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
    int n = snprintf(pre, sizeof pre, "{\"standin_sent_at\":%lld.%03ld%s", ms, (t.tv_nsec / 1000) % 1000,
                     body[1] == '}' ? "" : ",");
    body -= n - 1, len += (size_t)n - 1;
    memcpy(body, pre, (size_t)n);
  }
  write_all(1, body, len);
}
static void emit_blob(const Rec *r, const Blob *b) {
  size_t n = render(r, b, 1);
  emit(obuf + HEADROOM, n);
}

/* fault=flood: one valid JSON line of `bytes` bytes, written in pieces (no buffer that size). */
static void flood(long long bytes) {
  static char pad[65536];
  char buf[HEADROOM + 160], *body = buf + HEADROOM;
  int n = snprintf(body, 160, "{\"type\":\"system\",\"subtype\":\"standin_flood\",\"session_id\":\"%s\","
                              "\"padding\":\"", sid);
  if (!pad[0]) memset(pad, 'x', sizeof pad);
  emit(body, (size_t)n);
  for (long long left = bytes - n - 2, k; left > 0; left -= k)
    write_all(1, pad, (size_t)(k = left < (long long)sizeof pad ? left : (long long)sizeof pad));
  write_all(1, "\"}\n", 3);
}

/* ${CLAUDE_CONFIG_DIR:-$HOME/.claude}/projects/<cwd, all but [A-Za-z0-9] as '-'>/<id>.jsonl */
static void transcript_path(char *out, size_t cap, const char *id) {
  const char *cfg = getenv("CLAUDE_CONFIG_DIR"), *home = getenv("HOME");
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) die("getcwd: %s", strerror(errno));
  for (char *c = cwd; *c; c++) if (!alnum(*c)) *c = '-';
  int n = cfg && *cfg ? snprintf(out, cap, "%s/projects/%s/%s.jsonl", cfg, cwd, id)
                      : snprintf(out, cap, "%s/.claude/projects/%s/%s.jsonl", home ? home : "", cwd, id);
  if (n < 0 || (size_t)n >= cap) die("transcript path too long");
}
static int open_transcript(const char *id, int flags) {
  char path[PATH_MAX];
  transcript_path(path, sizeof path, id);
  for (char *c = path + 1; (c = strchr(c, '/')); *c++ = '/') { /* mkdir -p of its folder */
    *c = 0;
    if (mkdir(path, 0700) && errno != EEXIST) die("mkdir %s: %s", path, strerror(errno));
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0600);
  if (fd < 0) die("%s: %s", path, strerror(errno));
  return fd;
}
static void append_transcript(const Rec *r, int seg) {
  if (r->ntr == 0) return;
  int fd = open_transcript(sid, O_APPEND), last = seg + 1 < r->ntrs ? r->tr_start[seg + 1] : r->ntr;
  for (int i = r->tr_start[seg]; i < last; i++) {
    size_t n = render(r, &r->tr[i], 1);
    write_all(fd, obuf + HEADROOM, n);
  }
  if (close(fd)) die("close transcript: %s", strerror(errno));
}
/* --fork-session: the resumed transcript under the new id, its session id rewritten. */
static void fork_transcript(const char *from) {
  char path[PATH_MAX];
  size_t len;
  transcript_path(path, sizeof path, from);
  const char *p = map_file(path, &len, 1), *end = p + len, *hit;
  int fd = open_transcript(sid, O_TRUNC);
  for (const char *at = p; at < end; at = hit + 36) {
    if (!(hit = memmem(at, (size_t)(end - at), from, 36))) {
      write_all(fd, at, (size_t)(end - at));
      break;
    }
    write_all(fd, at, (size_t)(hit - at)), write_all(fd, sid, 36);
  }
  if (close(fd)) die("close transcript: %s", strerror(errno));
}

/* `[[standin key=value ...]]` anywhere in a user line: no quotes, so JSON escaping keeps it whole. */
static Turn directive(const char *p, size_t n) {
  Turn t = {"", default_pace, 0, NONE, 0};
  const char *end = p + n, *c = memmem(p, n, "[[standin", 9), *k, *v;
  snprintf(t.rec, sizeof t.rec, "%s", default_rec);
  for (c = c ? c + 9 : end; c < end && *c != ']';) {
    if (*c == ' ') { c++; continue; }
    for (k = c; c < end && *c != '=' && *c != ' ' && *c != ']';) c++;
    size_t kl = (size_t)(c - k);
    if (c >= end || *c != '=') continue;
    for (v = ++c; c < end && *c != ' ' && *c != ']';) c++;
    char val[64] = "";
    if ((size_t)(c - v) >= sizeof val) die("directive value too long: %.*s", (int)(c - v), v);
    memcpy(val, v, (size_t)(c - v));
#define KEY(s) (kl == strlen(s) && !memcmp(k, s, kl))
    if (KEY("recording")) {
      for (char *x = val; *x; x++)
        if (!alnum(*x) && *x != '_' && *x != '-') die("bad recording name: %s", val);
      memcpy(t.rec, val, sizeof val);
    } else if (KEY("pace_ms")) t.pace = atol(val);
    else if (KEY("after")) t.after = atol(val);
    else if (KEY("bytes")) t.bytes = atoll(val);
    else if (KEY("fault") && !(t.fault = !strcmp(val, "crash") ? CRASH
                                         : !strcmp(val, "hang")  ? HANG
                                         : !strcmp(val, "flood") ? FLOOD
                                                                 : NONE))
      die("unknown fault: %s", val);
  }
  return t;
}

static void start_turn(void) {
  Turn t = queue[qhead];
  qhead = (qhead + 1) % MAX_QUEUE, qlen--;
  Rec *r = load(t.rec);
  int seg = turns++ % r->nseg; /* the k-th turn of this process replays segment k, cycling */
  begin_seg(r, seg);
  T.r = r, T.tseg = seg % r->ntrs, T.pos = seg ? r->seg_end[seg - 1] + 1 : 0, T.end = r->seg_end[seg];
  T.pace = t.pace, T.fault = t.fault, T.after = t.after, T.bytes = t.bytes;
  T.written = 0, T.active = 1, T.hung = 0, T.fault_done = 0, T.due = mono_ns();
}

/* Writes the turn's next line (or acts out its fault), then schedules the one after it. */
static void step(void) {
  if (T.fault != NONE && !T.fault_done && T.written == T.after) {
    T.fault_done = 1;
    if (T.fault == CRASH) kill(getpid(), SIGKILL), _exit(137);
    if (T.fault == HANG) { T.hung = 1; return; }
    flood(T.bytes);
  } else {
    const Blob *b = &T.r->out[T.pos];
    if (b->result) { /* the transcript is complete once the result is out: the worker checkpoints then */
      append_transcript(T.r, T.tseg);
      last_error = b->is_error;
    }
    emit_blob(T.r, b);
    T.written++;
    if (T.pos++ == T.end) T.active = 0;
  }
  long long now = mono_ns(); /* a late line moves the schedule on: no burst to catch up */
  if ((T.due += T.pace * 1000000LL) < now) T.due = now;
}

static void control(const char *p, const char *end) {
  size_t idl;
  const char *id = jstr(p, end, "request_id", 1, &idl), *sub = jfind(p, end, "subtype", 2);
  if (!id || T.hung) return; /* a hung CLI answers nothing */
  if (ocap < HEADROOM + idl + 256) obuf = xrealloc(obuf, ocap = HEADROOM + idl + 256);
  char *o = obuf + HEADROOM;
  if (!starts(sub, end, "\"interrupt\"")) {
    int n = snprintf(o, ocap - HEADROOM, "{\"type\":\"control_response\",\"response\":{\"subtype\":\"success\","
                                         "\"request_id\":\"%.*s\"}}\n", (int)idl, id);
    emit(o, (size_t)n);
    return;
  }
  /* The recorded answer with this request's id; then the turn ends as the recorded one did. */
  Rec *ir = load("interrupt");
  if (ir->ctrl < 0 || ir->ctrl_end < 0) die("the interrupt recording lacks a control_response and result");
  const Blob *c = &ir->out[ir->ctrl];
  size_t tail = c->len - ir->rid_off - ir->rid_len, n = ir->rid_off + idl + tail + 1;
  if (ocap < HEADROOM + n) obuf = xrealloc(obuf, ocap = HEADROOM + n);
  o = obuf + HEADROOM;
  memcpy(o, c->p, ir->rid_off), memcpy(o + ir->rid_off, id, idl);
  memcpy(o + ir->rid_off + idl, c->p + ir->rid_off + ir->rid_len, tail), o[n - 1] = '\n';
  emit(o, n);
  if (!T.active || T.r == ir) return;
  begin_seg(ir, 0);
  T.r = ir, T.tseg = 0, T.pos = ir->ctrl + 1, T.end = ir->ctrl_end;
}

static void on_line(const char *p, size_t n) {
  const char *end = p + n, *type = jfind(p, end, "type", 1);
  if (starts(type, end, "\"control_request\"")) control(p, end);
  else if (starts(type, end, "\"user\"")) {
    if (qlen == MAX_QUEUE) die("more than %d queued messages", MAX_QUEUE);
    queue[(qhead + qlen++) % MAX_QUEUE] = directive(p, n);
  } /* anything else (control_response, keep_alive, ...) needs no answer */
}

static void read_stdin(void) {
  if (icap - ilen < 65536) { /* only an unfinished line stays in the buffer between reads */
    if (ilen > LINE_CAP) die("stdin line longer than %ld bytes", LINE_CAP);
    ibuf = xrealloc(ibuf, icap = icap ? 2 * icap : 65536);
  }
  ssize_t got = read(0, ibuf + ilen, icap - ilen);
  if (got < 0 && errno != EINTR && errno != EAGAIN) die("read stdin: %s", strerror(errno));
  if (got == 0) { /* EOF; a last line without a newline still counts */
    if (ilen) on_line(ibuf, ilen);
    stdin_open = 0, ilen = 0;
  }
  if (got <= 0) return;
  size_t start = 0, from = ilen;
  ilen += (size_t)got;
  for (char *nl; (nl = memchr(ibuf + from, '\n', ilen - from)); from = start) {
    on_line(ibuf + start, (size_t)(nl - ibuf) - start);
    start = (size_t)(nl - ibuf) + 1;
  }
  memmove(ibuf, ibuf + start, ilen - start);
  ilen -= start;
}

static const char *flag(int argc, char **argv, int *i, const char *name) {
  size_t n = strlen(name);
  if (strncmp(argv[*i], name, n)) return NULL;
  if (argv[*i][n] == '=') return argv[*i] + n + 1;
  return argv[*i][n] == 0 && *i + 1 < argc ? argv[++*i] : NULL;
}

int main(int argc, char **argv) {
  static const char *valued[] = {"--model", "--permission-mode", "--allowedTools", "--max-turns",
                                 "--append-system-prompt", "--setting-sources", "--settings",
                                 "--input-format", "--output-format"};
  const char *resume = NULL, *session = NULL, *v;
  int fork = 0;
  for (int i = 1; i < argc; i++) { /* -p, --verbose, unknown flags: accepted and ignored */
    if ((v = flag(argc, argv, &i, "--resume"))) resume = v;
    else if ((v = flag(argc, argv, &i, "--session-id"))) session = v;
    else if (!strcmp(argv[i], "--fork-session")) fork = 1;
    else for (size_t k = 0; k < sizeof valued / sizeof *valued && !flag(argc, argv, &i, valued[k]); k++) {}
  }
  if ((resume && (strlen(resume) != 36 || !is_uuid(resume, 36))) ||
      (session && (strlen(session) != 36 || !is_uuid(session, 36))))
    die("--resume and --session-id take a session uuid");
  if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) die("signal: %s", strerror(errno));
  dir = (v = getenv("CLI_STANDIN_DIR")) && *v ? v : STANDIN_DEFAULT_DIR;
  if ((v = getenv("CLI_STANDIN_RECORDING")) && *v) default_rec = v;
  if ((v = getenv("CLI_STANDIN_PACE_MS"))) default_pace = atol(v);
  stamp = (v = getenv("CLI_STANDIN_STAMP")) && *v && strcmp(v, "0");
  if (session || (resume && !fork)) memcpy(sid, session ? session : resume, 37);
  else new_uuid(sid);
  if (resume) {
    char path[PATH_MAX];
    transcript_path(path, sizeof path, resume);
    if (access(path, F_OK)) { /* as the real CLI: fail at start-up, before reading stdin */
      memcpy(sid, resume, 37);
      Rec *r = load("resume_missing");
      for (int i = 0; i < r->nout; i++) emit_blob(r, &r->out[i]);
      if (r->err.len) {
        size_t n = render(r, &r->err, 0);
        write_all(2, obuf + HEADROOM, n);
      }
      return r->exit_code;
    }
    if (fork) fork_transcript(resume);
  }
  load(default_rec); /* a missing recording fails now, not at the first turn */
  for (;;) {
    if (!T.active && qlen) start_turn();
    if (!T.active && !stdin_open) return last_error; /* the CLI exits 1 after an error result */
    long long wait = T.active && !T.hung ? T.due - mono_ns() : -1;
    if (T.active && !T.hung && wait < 0) wait = 0;
    if (stdin_open) { /* control requests are read while a turn waits for its next line */
      struct pollfd pf = {0, POLLIN, 0};
      struct timespec ts = {wait / NS, wait % NS};
      int rc = ppoll(&pf, 1, wait < 0 ? NULL : &ts, NULL);
      if (rc < 0 && errno != EINTR) die("poll: %s", strerror(errno));
      if (rc > 0) read_stdin();
    } else if (T.hung) for (;;) pause(); /* hangs until killed, like a stuck CLI */
    else if (wait > 0) { /* never for a due time already past: it would sleep out the timer slack */
      struct timespec at = {T.due / NS, T.due % NS};
      int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
      if (rc && rc != EINTR) die("clock_nanosleep: %s", strerror(rc));
    }
    if (T.active && !T.hung && mono_ns() >= T.due) step();
  }
}
