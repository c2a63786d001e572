/*
 * A TCP relay that moves data with splice(2): socket -> pipe -> socket,
 * page references instead of copies through user space, on the event loop
 * of the thread that starts it (libuv poll handles). Policy (which server,
 * failover, counters' meaning) stays in JavaScript; this only relays one
 * accepted connection to one connected server until both ends close.
 *
 *   setup(closed)  once per thread, before any start: closed(slot, reset,
 *       bytesIn, bytesOut) is called once per relay, when both directions
 *       ended (reset false), a side failed and both were reset (true), or
 *       stop() ended it (false); bytes read from the client and the server.
 *   start(clientFd, upstreamFd[, counters]) -> slot (>= 0) or -errno
 *       Relays on duplicates of both descriptors (the caller closes its own
 *       handles once it has a slot; with -errno nothing started). The slot
 *       names the relay until its closed() call, and is reused after it.
 *       counters: a Float64Array of 2 mirroring the bytes as they are read
 *       (a relay thread's slot in memory the main thread reads), zeroed and
 *       kept alive by the caller while the relay runs.
 *   bytes(slot, 0 | 1) -> bytes read so far from the client, the server.
 *   stop(slot)  ends the relay now, without a reset: closed() runs before it
 *       returns, both sockets close on the loop's next turn.
 *   probe() -> 0 or -errno  whether splice(2) moves data between TCP sockets
 *       here (a sandbox kernel may refuse it, EINVAL): the
 *       caller relays in user space if not.
 *
 * Each direction holds at most one pipe (64 KiB) of data: while its pipe is
 * not empty the source is not read, and what the sender sends waits in the
 * kernel's socket buffers, as with the user-space relay (relay-handles.ts).
 */
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Reads and writes per direction per wake-up: a bulk transfer yields to the other connections in between. */
#define ROUNDS 16
/* Empty pipes kept for the next relays: a new connection then costs no pipe2() and close() (kernel CPU). */
#define POOL 64
/* Linux's default pipe size: a smaller one is not pooled. */
#define FULL_PIPE 65536

typedef struct relay relay_t;

typedef struct {
  relay_t *r;
  int index; /* 0 client, 1 upstream */
  int fd;
  int events; /* what the poll handle waits for now */
  uv_poll_t poll;
} side_t;

/* One direction: flow[i] reads side[i] and writes side[1 - i]. */
typedef struct {
  int pipe[2];
  size_t in_pipe;
  int eof;  /* the source sent FIN */
  int shut; /* ...and it was passed on (shutdown SHUT_WR) */
} flow_t;

/* Per Node environment (the main thread, each worker): its running relays by slot, for stop() and its teardown. */
typedef struct {
  relay_t **slots;
  uint16_t *gen;  /* each slot's generation (see take_slot) */
  uint32_t *free; /* free slot numbers, a stack */
  uint32_t cap, nfree;
  napi_ref closed;
  int pool[POOL][2];
  int pooled;
  napi_async_cleanup_hook_handle hook;
  /* Set once the environment is being torn down: no more calls into JavaScript; the hook goes once all closed. */
  int teardown;
  int closing;
} instance_t;

struct relay {
  napi_env env;
  instance_t *instance;
  int32_t slot; /* its id, see take_slot */
  side_t side[2];
  flow_t flow[2];
  double bytes[2];
  double *counters;
  int done;
  /* Each poll handle holds one until closed; the last frees the relay. */
  int refs;
};

static void unref(relay_t *r) {
  if (--r->refs == 0) free(r);
}

static void on_poll_closed(uv_handle_t *h) {
  side_t *s = h->data;
  instance_t *in = s->r->instance;
  close(s->fd);
  unref(s->r);
  // A worker's loop must have no handle left when it closes: the environment waits for this.
  if (--in->closing == 0 && in->teardown && in->hook) {
    napi_remove_async_cleanup_hook(in->hook);
    in->hook = NULL;
  }
}

/* How finish() calls closed(): from the event loop, from a call out of JavaScript, or not at all. */
enum { FROM_LOOP, FROM_JS, QUIET };

/*
 * A relay's id: its slot in the table (low SLOT_BITS) and the slot's generation, which changes each time the slot
 * is given back: an id JavaScript kept past its relay's end never reaches the relay that took the slot after.
 */
#define SLOT_BITS 20
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
#define GEN_MASK 0x7ffu

/* A free slot for `r` (the table grows as needed), its id; or -1 (out of memory, or 2^20 relays running). */
static int32_t take_slot(instance_t *in, relay_t *r) {
  if (in->nfree == 0) {
    uint32_t cap = in->cap ? in->cap * 2 : 64;
    if (cap > SLOT_MASK + 1) return -1;
    relay_t **slots = realloc(in->slots, cap * sizeof *slots);
    if (!slots) return -1;
    in->slots = slots;
    uint16_t *gen = realloc(in->gen, cap * sizeof *gen);
    if (!gen) return -1;
    in->gen = gen;
    uint32_t *free_ = realloc(in->free, cap * sizeof *free_);
    if (!free_) return -1;
    in->free = free_;
    for (uint32_t i = cap; i > in->cap; i--) {
      in->slots[i - 1] = NULL;
      in->gen[i - 1] = 0;
      in->free[in->nfree++] = i - 1;
    }
    in->cap = cap;
  }
  uint32_t slot = in->free[--in->nfree];
  in->slots[slot] = r;
  return (int32_t)(slot | (uint32_t)in->gen[slot] << SLOT_BITS);
}

static void give_slot(instance_t *in, int32_t id) {
  uint32_t slot = (uint32_t)id & SLOT_MASK;
  in->slots[slot] = NULL;
  in->gen[slot] = (uint16_t)((in->gen[slot] + 1) & GEN_MASK);
  in->free[in->nfree++] = slot;
}

/* The running relay with this id, or NULL (it ended). */
static relay_t *relay_at(instance_t *in, int32_t id) {
  uint32_t slot = (uint32_t)id & SLOT_MASK;
  if (id < 0 || slot >= in->cap || ((uint32_t)id >> SLOT_BITS) != in->gen[slot]) return NULL;
  return in->slots[slot];
}

/* An empty pipe from the pool, else a new one; 0 or -errno. */
static int open_pipe(instance_t *in, int p[2]) {
  if (in->pooled > 0) {
    in->pooled--;
    p[0] = in->pool[in->pooled][0];
    p[1] = in->pool[in->pooled][1];
    return 0;
  }
  return pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0 ? -errno : 0;
}

/*
 * Back to the pool if `empty` and there is room (not in teardown), else closed. The kernel confirms it holds
 * nothing (a byte left over would start the next connection's stream) and has its full size: a pipe made while
 * the user was over pipe-user-pages-soft holds only two pages, and would keep later relays slow.
 */
static void drop_pipe(instance_t *in, int p[2], int empty) {
  int queued = -1;
  if (empty && !in->teardown && in->pooled < POOL && ioctl(p[0], FIONREAD, &queued) == 0 && queued == 0 &&
      fcntl(p[0], F_GETPIPE_SZ) >= FULL_PIPE) {
    in->pool[in->pooled][0] = p[0];
    in->pool[in->pooled][1] = p[1];
    in->pooled++;
    return;
  }
  close(p[0]);
  close(p[1]);
}

/* Closes both sides' poll handles (their descriptors once closed); the pipes go back to the pool when empty. */
static void close_sides(relay_t *r) {
  for (int i = 0; i < 2; i++) {
    r->instance->closing++;
    uv_close((uv_handle_t *)&r->side[i].poll, on_poll_closed);
    drop_pipe(r->instance, r->flow[i].pipe, r->flow[i].in_pipe == 0);
  }
}

/* Ends the relay once: closes both sides (with SO_LINGER 0, a reset, when `reset`) and calls closed(). */
static void finish(relay_t *r, int reset, int how) {
  if (r->done) return;
  r->done = 1;
  instance_t *in = r->instance;
  give_slot(in, r->slot);
  if (reset) {
    struct linger l = {1, 0};
    for (int i = 0; i < 2; i++) setsockopt(r->side[i].fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  close_sides(r);
  r->counters = NULL;
  // In teardown JavaScript runs no more.
  if (in->teardown || how == QUIET || !in->closed) return;
  napi_env env = r->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value closed = NULL, global, argv[4], ignored;
  napi_get_reference_value(env, in->closed, &closed);
  napi_get_global(env, &global);
  napi_create_int32(env, r->slot, &argv[0]);
  napi_get_boolean(env, reset, &argv[1]);
  napi_create_double(env, r->bytes[0], &argv[2]);
  napi_create_double(env, r->bytes[1], &argv[3]);
  if (closed) {
    // From the event loop, make_callback also runs the microtasks the callback queued.
    napi_status status = how == FROM_JS ? napi_call_function(env, global, closed, 4, argv, &ignored)
                                        : napi_make_callback(env, NULL, global, closed, 4, argv, &ignored);
    bool pending = false;
    // A worker being terminated answers napi_pending_exception with none pending: nothing to report then.
    if (status == napi_pending_exception && how == FROM_LOOP && napi_is_exception_pending(env, &pending) == napi_ok && pending) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

/*
 * Reads what splice(2) cannot: at TCP urgent data (MSG_OOB) the kernel's
 * splice stops before the urgent byte and never passes it, returning EAGAIN
 * while poll says readable, or 0 (as at the end) with data still behind it.
 * recv() skips the byte and clears the mark, as the user-space relay's read()
 * does, and splice works again after. It reads at most PIPE_BUF, which a
 * write into an empty pipe takes whole, whatever the pipe's size. Returns the
 * bytes read (now in the pipe), 0 at the end, or -errno (-EAGAIN: nothing
 * there after all).
 */
static ssize_t recv_into_pipe(int from, int pipe_w) {
  char buf[PIPE_BUF];
  ssize_t n = recv(from, buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0) return -errno;
  if (n > 0 && write(pipe_w, buf, (size_t)n) != n) return -EIO;
  return n;
}

/* Moves what flow i can now (`readable`: poll said its source is); 0, or -errno when a side failed. */
static int pump(relay_t *r, int i, int readable) {
  flow_t *f = &r->flow[i];
  int from = r->side[i].fd, to = r->side[1 - i].fd;
  int read_any = 0;
  for (int round = 0; round < ROUNDS && !f->eof; round++) {
    if (f->in_pipe > 0) {
      ssize_t m = splice(f->pipe[0], NULL, to, NULL, f->in_pipe, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (m < 0) return errno == EAGAIN || errno == EINTR ? 0 : -errno;
      f->in_pipe -= (size_t)m;
      continue;
    }
    ssize_t n = splice(from, NULL, f->pipe[1], NULL, 1 << 20, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) return -errno;
    // Nothing moved where something was expected: the end, or urgent data in the way (recv_into_pipe). A socket
    // drained after data, or read after its pipe emptied, costs no extra call.
    if (n == 0 || (n < 0 && readable && !read_any)) {
      n = recv_into_pipe(from, f->pipe[1]);
      if (n == -EAGAIN || n == -EINTR) return 0;
      if (n < 0) return (int)n;
    } else if (n < 0) {
      return 0;
    }
    read_any = 1;
    if (n == 0) {
      f->eof = 1;
    } else {
      f->in_pipe = (size_t)n;
      r->bytes[i] += (double)n;
      if (r->counters) r->counters[i] = r->bytes[i];
    }
  }
  // The end is passed on here, whatever ROUNDS left: the source is read only with its pipe empty, so at its end
  // there is nothing left to write, and nothing would poll for this direction again.
  if (f->eof && !f->shut) {
    f->shut = 1;
    // ENOTCONN: that side is gone already, nothing to half-close (as Node's net counts it).
    if (shutdown(to, SHUT_WR) < 0 && errno != ENOTCONN) return -errno;
  }
  return 0;
}

static void on_poll(uv_poll_t *h, int status, int events);

/* Polls each side for what its directions wait for: readable while its outgoing pipe is empty, writable while its incoming one is not. */
static int watch(relay_t *r) {
  for (int i = 0; i < 2; i++) {
    side_t *s = &r->side[i];
    flow_t *out = &r->flow[i], *in = &r->flow[1 - i];
    int ev = (!out->eof && out->in_pipe == 0 ? UV_READABLE : 0) | (in->in_pipe > 0 ? UV_WRITABLE : 0);
    if (ev == s->events) continue;
    s->events = ev;
    int rc = ev ? uv_poll_start(&s->poll, ev, on_poll) : uv_poll_stop(&s->poll);
    if (rc != 0) return rc;
  }
  return 0;
}

static int ended(relay_t *r) {
  return r->flow[0].shut && r->flow[1].shut;
}

static void on_poll(uv_poll_t *h, int status, int events) {
  side_t *s = h->data;
  relay_t *r = s->r;
  if (r->done) return;
  int rc = 0;
  if (status < 0) {
    // The socket's error (a reset): libuv has stopped this handle. What the peer sent before its reset is still
    // queued, and comes first: both directions are pumped as usual, and splice, recv or the write return the error
    // once that is through (then the other side is reset). Dropping the queue here lost an answer sent just before
    // a reset (a server refusing a request it will not read) 29 times in 30.
    s->events = 0;
    events = UV_READABLE | UV_WRITABLE;
  }
  if (rc == 0 && (events & UV_READABLE)) rc = pump(r, s->index, 1);
  if (rc == 0 && (events & UV_WRITABLE)) rc = pump(r, 1 - s->index, 0);
  if (rc == 0 && ended(r)) {
    finish(r, 0, FROM_LOOP);
    return;
  }
  if (rc == 0) rc = watch(r);
  if (rc != 0) finish(r, 1, FROM_LOOP);
}

static napi_value number(napi_env env, int32_t v) {
  napi_value out;
  napi_create_int32(env, v, &out);
  return out;
}

static instance_t *instance(napi_env env) {
  instance_t *in = NULL;
  return napi_get_instance_data(env, (void **)&in) == napi_ok ? in : NULL;
}

static napi_value Setup(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value closed;
  napi_valuetype type;
  instance_t *in = instance(env);
  napi_get_cb_info(env, info, &argc, &closed, NULL, NULL);
  if (argc < 1 || napi_typeof(env, closed, &type) != napi_ok || type != napi_function || !in || in->closed) {
    napi_throw_type_error(env, NULL, "setup(closed): once per thread, with a function");
    return NULL;
  }
  napi_create_reference(env, closed, 1, &in->closed);
  return NULL;
}

static napi_value Start(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fds[2];
  napi_typedarray_type type;
  size_t length = 0;
  void *counters = NULL;
  napi_valuetype third = napi_undefined;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 3) napi_typeof(env, argv[2], &third);
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fds[0]) != napi_ok || napi_get_value_int32(env, argv[1], &fds[1]) != napi_ok ||
      (third != napi_undefined &&
       (napi_get_typedarray_info(env, argv[2], &type, &length, &counters, NULL, NULL) != napi_ok || type != napi_float64_array || length < 2))) {
    napi_throw_type_error(env, NULL, "start(clientFd, upstreamFd[, Float64Array(2)])");
    return NULL;
  }
  uv_loop_t *loop;
  instance_t *in = instance(env);
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || !in) return number(env, -EINVAL);
  relay_t *r = calloc(1, sizeof *r);
  if (!r) return number(env, -ENOMEM);
  r->env = env;
  r->instance = in;
  int made = 0, err = 0;
  for (; made < 2; made++) {
    side_t *s = &r->side[made];
    s->r = r;
    s->index = made;
    s->fd = fcntl(fds[made], F_DUPFD_CLOEXEC, 3);
    if (s->fd < 0) {
      err = -errno;
      break;
    }
    if ((err = open_pipe(in, r->flow[made].pipe)) != 0) {
      close(s->fd);
      break;
    }
    err = uv_poll_init(loop, &s->poll, s->fd);
    if (err != 0) {
      close(s->fd);
      drop_pipe(in, r->flow[made].pipe, 1);
      break;
    }
    s->poll.data = s;
    // Each poll handle holds a reference until closed (on_poll_closed).
    r->refs++;
  }
  if (err == 0 && (r->slot = take_slot(in, r)) < 0) err = -ENOMEM;
  if (err == 0) {
    r->counters = counters;
    err = watch(r);
    // The caller relays on its own handles instead: nothing was relayed here, closed() is not called.
    if (err != 0) finish(r, 0, QUIET);
    return number(env, err == 0 ? r->slot : err);
  }
  // Not relaying: what was made is closed, the relay freed with its last poll handle (or now, if none). Out of
  // descriptors, the pool's are closed too: the user-space relay the caller falls back to needs none.
  int starved = err == -EMFILE || err == -ENFILE;
  r->done = 1;
  if (made == 0) free(r);
  for (int i = 0; i < made; i++) {
    in->closing++;
    uv_close((uv_handle_t *)&r->side[i].poll, on_poll_closed);
    drop_pipe(in, r->flow[i].pipe, !starved);
  }
  while (starved && in->pooled > 0) drop_pipe(in, in->pool[--in->pooled], 0);
  return number(env, err);
}

/* (slot[, which]) from JavaScript: the relay, or NULL (a stale slot). */
static relay_t *relay_arg(napi_env env, napi_callback_info info, int32_t *which) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t slot = -1;
  instance_t *in = instance(env);
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (!in || argc < 1 || napi_get_value_int32(env, argv[0], &slot) != napi_ok) return NULL;
  if (which && (argc < 2 || napi_get_value_int32(env, argv[1], which) != napi_ok || *which < 0 || *which > 1)) return NULL;
  return relay_at(in, slot);
}

static napi_value Bytes(napi_env env, napi_callback_info info) {
  int32_t which = 0;
  relay_t *r = relay_arg(env, info, &which);
  napi_value out;
  napi_create_double(env, r ? r->bytes[which] : -1, &out);
  return out;
}

static napi_value Stop(napi_env env, napi_callback_info info) {
  relay_t *r = relay_arg(env, info, NULL);
  if (r) finish(r, 0, FROM_JS);
  return NULL;
}

/* The environment goes (a worker stops): its relays close, and it waits until their handles have. */
static void on_teardown(napi_async_cleanup_hook_handle hook, void *data) {
  instance_t *in = data;
  in->teardown = 1;
  for (uint32_t slot = 0; slot < in->cap; slot++)
    if (in->slots[slot]) finish(in->slots[slot], 0, QUIET);
  while (in->pooled > 0) drop_pipe(in, in->pool[--in->pooled], 0);
  if (in->closing == 0) {
    napi_remove_async_cleanup_hook(hook);
    in->hook = NULL;
  }
}

/* One byte through a loopback TCP pair: socket -> pipe -> socket. */
static int probe_splice(void) {
  int l = -1, c = -1, s = -1, p[2] = {-1, -1}, rc = 0;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  // Bounded: a byte that never arrives must not hold up the boot.
  struct timeval wait = {.tv_sec = 1};
  if ((l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 ||
      getsockname(l, (struct sockaddr *)&a, &len) < 0 || listen(l, 1) < 0 || (c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
      connect(c, (struct sockaddr *)&a, sizeof a) < 0 || (s = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0 ||
      setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait) < 0 || pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0 || send(c, "x", 1, MSG_NOSIGNAL) != 1) {
    rc = -errno;
  } else {
    ssize_t n = splice(s, NULL, p[1], NULL, 1, SPLICE_F_NONBLOCK);
    if (n == 1) n = splice(p[0], NULL, s, NULL, 1, SPLICE_F_NONBLOCK);
    if (n != 1) rc = n < 0 ? -errno : -EIO;
  }
  int fds[] = {l, c, s, p[0], p[1]};
  for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
    if (fds[i] >= 0) close(fds[i]);
  return rc;
}

static napi_value Probe(napi_env env, napi_callback_info info) {
  (void)info;
  return number(env, probe_splice());
}

NAPI_MODULE_INIT() {
  // Never freed: a few bytes per environment (the main thread, at most FORWARD_THREADS - 1 workers), and the
  // teardown hook or a handle still closing may reach it after the environment finalized its instance data.
  instance_t *in = calloc(1, sizeof *in);
  if (!in || napi_set_instance_data(env, in, NULL, NULL) != napi_ok) {
    free(in);
    napi_throw_error(env, NULL, "splice-relay: out of memory");
    return NULL;
  }
  if (napi_add_async_cleanup_hook(env, on_teardown, in, &in->hook) != napi_ok) in->hook = NULL;
  const napi_property_descriptor props[] = {
    {"setup", NULL, Setup, NULL, NULL, NULL, napi_enumerable, NULL},
    {"start", NULL, Start, NULL, NULL, NULL, napi_enumerable, NULL},
    {"bytes", NULL, Bytes, NULL, NULL, NULL, napi_enumerable, NULL},
    {"stop", NULL, Stop, NULL, NULL, NULL, napi_enumerable, NULL},
    {"probe", NULL, Probe, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
