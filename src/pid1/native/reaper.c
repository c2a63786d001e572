/*
 * The native half of PID 1: the system calls Node does not expose. Policy
 * (which pids are orphans, when to reap) lives in JavaScript,
 * because only the JavaScript side knows which children libuv spawned:
 * reaping one of those would steal its exit status from child_process.
 *
 *   zombieChildren() -> number[]  zombies whose parent is this process
 *   reap(pid)        -> number    waitpid(pid, WNOHANG): pid, 0, or -errno
 *   setSubreaper()   -> number    prctl(PR_SET_CHILD_SUBREAPER): 0 or errno
 *   detachTerminal() -> number    ioctl(0, TIOCNOTTY): 0 or errno (CMD mode hands
 *                                 its terminal to the command's own session)
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
  int32_t *v;
  size_t n, cap;
} pid_list;

static int push(pid_list *l, int32_t pid) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 64;
    int32_t *v = realloc(l->v, cap * sizeof *v);
    if (!v) return -1;
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = pid;
  return 0;
}

static int parse_pid(const char *s, int32_t *out) {
  long v = 0;
  if (!*s) return 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return 0;
    v = v * 10 + (*s - '0');
    if (v > 0x7fffffff) return 0;
  }
  *out = (int32_t)v;
  return 1;
}

/* 1 when /proc/<pid>/stat says state Z and parent `self`. */
static int is_zombie_child(int32_t pid, pid_t self) {
  char path[48], buf[256];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n;
  do n = read(fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  /* comm may hold spaces and ')': the state follows the last ')'. */
  char *p = strrchr(buf, ')');
  char state;
  int ppid;
  if (!p || sscanf(p + 1, " %c %d", &state, &ppid) != 2) return 0;
  return state == 'Z' && ppid == (int)self;
}

/* 1 when our child `pid` is a zombie. WNOWAIT peeks: it stays waitable. */
static int has_exited(int32_t pid) {
  siginfo_t info;
  memset(&info, 0, sizeof info);
  int r;
  do r = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT);
  while (r < 0 && errno == EINTR);
  return r == 0 && info.si_pid == pid;
}

/*
 * Fast path: /proc/self/task/<tid>/children lists the children of each of
 * our threads (orphans are adopted by any live thread), so the cost follows
 * our own children, not every process in the container. Returns -1 when the
 * kernel lacks CONFIG_PROC_CHILDREN.
 */
static int scan_task_children(pid_list *out, pid_t self) {
  char path[64];
  /* The main thread's tid is our pid: its file exists iff the kernel has the feature. */
  snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)self);
  if (access(path, R_OK) != 0) return -1;
  DIR *tasks = opendir("/proc/self/task");
  if (!tasks) return -1;
  size_t cap = 4096;
  char *buf = malloc(cap);
  int rc = buf ? 0 : -1;
  struct dirent *t;
  while (rc == 0 && (t = readdir(tasks)) != NULL) {
    if (t->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "/proc/self/task/%.20s/children", t->d_name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue; /* thread ended since readdir */
    size_t len = 0;
    for (;;) {
      if (len + 1 >= cap) {
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) { rc = -1; break; }
        buf = bigger;
        cap *= 2;
      }
      ssize_t n = read(fd, buf + len, cap - len - 1);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      len += (size_t)n;
    }
    close(fd);
    if (rc != 0) break;
    buf[len] = '\0';
    char *save = NULL;
    for (char *tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
      int32_t pid;
      if (parse_pid(tok, &pid) && has_exited(pid) && push(out, pid) != 0) {
        rc = -1;
        break;
      }
    }
  }
  free(buf);
  closedir(tasks);
  return rc;
}

/* Slow path: every process in /proc. */
static void scan_all(pid_list *out, pid_t self) {
  DIR *proc = opendir("/proc");
  if (!proc) return;
  struct dirent *e;
  while ((e = readdir(proc)) != NULL) {
    int32_t pid;
    if (parse_pid(e->d_name, &pid) && is_zombie_child(pid, self) && push(out, pid) != 0) break;
  }
  closedir(proc);
}

static napi_value ZombieChildren(napi_env env, napi_callback_info info) {
  (void)info;
  pid_t self = getpid();
  pid_list list = {0};
  if (scan_task_children(&list, self) != 0) {
    list.n = 0;
    scan_all(&list, self);
  }
  napi_value arr = NULL;
  if (napi_create_array_with_length(env, list.n, &arr) == napi_ok) {
    for (size_t i = 0; i < list.n; i++) {
      napi_value v;
      napi_create_int32(env, list.v[i], &v);
      napi_set_element(env, arr, (uint32_t)i, v);
    }
  }
  free(list.v);
  return arr;
}

static napi_value Reap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t pid = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &pid) != napi_ok || pid <= 0) {
    napi_throw_type_error(env, NULL, "reap(pid): pid must be a positive integer");
    return NULL;
  }
  int status;
  pid_t r;
  do r = waitpid(pid, &status, WNOHANG);
  while (r < 0 && errno == EINTR);
  napi_value out;
  napi_create_int32(env, r < 0 ? -errno : (int32_t)r, &out);
  return out;
}

static napi_value SetSubreaper(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_int32(env, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : errno, &out);
  return out;
}

static napi_value DetachTerminal(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_create_int32(env, ioctl(STDIN_FILENO, TIOCNOTTY) == 0 ? 0 : errno, &out);
  return out;
}

NAPI_MODULE_INIT() {
  const napi_property_descriptor props[] = {
    {"zombieChildren", NULL, ZombieChildren, NULL, NULL, NULL, napi_enumerable, NULL},
    {"reap", NULL, Reap, NULL, NULL, NULL, napi_enumerable, NULL},
    {"setSubreaper", NULL, SetSubreaper, NULL, NULL, NULL, napi_enumerable, NULL},
    {"detachTerminal", NULL, DetachTerminal, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
