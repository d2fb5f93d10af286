/*
 * gust-init: the launcher of a namespace sandbox on the host, and its pid 1 inside
 * (see src/sandbox/namespace/). One binary for both, so that Gust builds and caches one.
 *
 *   gust-init launch <nofile> <uid> <gid> [--net <netns path> <address> <gateway>]
 *                    [--keep <mount>] [--detach <dir>]... [cgroup.procs...] -- <bwrap> [args...]
 *
 * On the host, as root, in the process Gust spawned: sets RLIMIT_NOFILE (soft and hard),
 * enters the network namespace Gust prepared for the sandbox and configures it (loopback
 * up; eth0, the inner end of its veth pair, up with <address>/32, no IPv6; a route to
 * <gateway> on eth0 and the default route through it), so that bwrap, told to share it,
 * runs the runtime there: a namespace owned by the host's user namespace, whose links,
 * addresses and routes nothing in the sandbox may change. Configured here, with a few
 * ioctls, rather than by an `ip` process per namespace. With --detach, moves to a mount
 * namespace of its own (a slave of the host's, so nothing made here reaches the host) and
 * detaches each <dir> there with everything mounted under it: the host's per-sandbox mounts
 * (every sandbox's /tmp disk, every network namespace's name), which bubblewrap would copy
 * and read through once per bind it makes (its CPU grew with them, 4.8 ms at 21 host mounts
 * to 17.2 ms at 151); --keep <mount>, the sandbox's own /tmp disk, is cloned before and put
 * back after, at the same path. Then it joins the environment's cgroups by writing 0 into
 * each cgroup.procs while it is a single thread (everything after starts inside them),
 * drops to the sandbox uid/gid with no supplementary groups, and execs bubblewrap. It dies
 * with Gust (PDEATHSIG, set after the uid change, which would clear it): a sandbox started
 * ahead waits in bwrap for its options, and must not outlive the server that would send
 * them. This is what `/bin/sh` and `setpriv` did in two execs; one small exec saves ~2 ms
 * of every cold start. A failed step exits 126 and
 * says why on stderr, as the process driver's shell launcher does.
 *
 *   gust-init helper [<cgroup.procs> | -]
 *
 * On the host, as root, for as long as its stdin is open: reads requests of four
 * NUL-terminated fields and answers each with "ok\n" or "error <errno>\n" on stdout, one line
 * per request, in order. One long-lived process instead of a `mount` (or a shell, `cp`,
 * `losetup` and `mount`) per request through the spawner: ~0.1 ms a bind against ~5 ms.
 * It dies with the process that spawned it (PDEATHSIG). Given a second argument, it runs at
 * nice 19, in that cgroup unless it is "-": the background helper, for the disks made ahead.
 *
 * "bind" SRC PID DST: binds SRC read-only (and nosuid, nodev) on DST in the mount namespace
 * of PID's child. What gives a sandbox booted ahead its function's code
 * (src/sandbox/namespace/ready-sandboxes.ts): PID is its bubblewrap, whose one child is the
 * sandbox, and DST a path inside it. The new mount API does it: open_tree clones SRC
 * detached (in the host's namespace, where SRC is), mount_setattr makes the clone read-only,
 * setns enters the sandbox's namespace, move_mount attaches the clone there, and setns comes
 * back. The mount exists in that namespace only and goes with it: the host's mount table
 * stays the size it was, which every bwrap reads (once per bind it makes) and copies.
 *
 * "bindrw" SRC PID DST: the same, writable (still nosuid, nodev): a /tmp disk of another
 * size than the one a sandbox booted ahead with, mounted over its /tmp.
 *
 * "disk" TEMPLATE IMAGE MOUNT: a sandbox's /tmp disk (src/sandbox/namespace/tmp-disks.ts).
 * Copies the formatted TEMPLATE to a new IMAGE (its data ranges only, so the copy is as
 * sparse), attaches IMAGE to the next free loop device with autoclear set (it goes with its
 * last mount), and mounts it at MOUNT (ext4, nosuid, nodev, noatime, noinit_itable).
 *
 *   gust-init <status-fd> <command-fd> <port> <socket>
 *
 * In the sandbox, as its pid 1 (the runtime's command line, NUL-separated, is read from
 * <command-fd> until EOF: a sandbox can be started before Gust knows which runtime it is for):
 * 1. Listens on TCP 127.0.0.1:<port> inside the sandbox's private network namespace, so the
 *    runtime finds its Runtime API where AWS_LAMBDA_RUNTIME_API says, and relays every
 *    connection to <socket>, the unix socket Gust serves that API on. It listens BEFORE the
 *    runtime starts, so the runtime's first request never meets a closed port.
 * 2. Starts the runtime (execve, absolute path, the environment it was given), forwards
 *    the termination signals Gust sends to every process of the sandbox, reaps orphans.
 * 3. Writes "ready" to <status-fd> once it listens and forwards signals; when the runtime
 *    ends, writes its exact end ("exit N" or "signal N") there and exits. The kernel then
 *    kills whatever the runtime left in the namespace.
 *
 * One process, one poll loop, no threads and no forks for the relay: the runtime is init's
 * only child, and the relay costs nothing while no request is in flight. Standard C and
 * Linux system calls only; built by Gust with the host's `cc`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <grp.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define BIND_RDONLY 0x00000001 /* MOUNT_ATTR_RDONLY */
#define BIND_NOSUID 0x00000002 /* MOUNT_ATTR_NOSUID */
#define BIND_NODEV 0x00000004  /* MOUNT_ATTR_NODEV */

#define MAX_CONNS 16
#define BUF_SIZE 65536

/* One direction of a relayed connection: bytes read from `from` waiting to go to `to`. */
struct pipe_dir {
  char buf[BUF_SIZE];
  size_t off, len;
  int eof;  /* `from` reached EOF (or failed); `to` gets a FIN once the buffer is flushed */
  int shut; /* that FIN was sent */
};

struct conn {
  int fd[2]; /* 0: the runtime's TCP connection, 1: Gust's unix socket */
  struct pipe_dir dir[2]; /* dir[i]: from fd[i] to fd[1 - i] */
};

static struct conn *conns[MAX_CONNS];
static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

static void die(const char *what) {
  dprintf(2, "gust-init: %s: %s\n", what, strerror(errno));
  _exit(127);
}

/* Installed only so that pid 1 is not immune to these signals; signalfd reads them. */
static void ignore_signal(int sig) { (void)sig; }

static int listen_tcp(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind 127.0.0.1");
  if (listen(fd, 64) < 0) die("listen");
  return fd;
}

static int connect_unix(const char *path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
}

static void accept_conn(int lfd, const char *path) {
  int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (c < 0) return;
  int slot = -1;
  for (int i = 0; i < MAX_CONNS; i++)
    if (!conns[i]) {
      slot = i;
      break;
    }
  int u = slot < 0 ? -1 : connect_unix(path);
  struct conn *k = u < 0 ? NULL : calloc(1, sizeof *k);
  if (!k) {
    if (u >= 0) close(u);
    close(c);
    return;
  }
  int one = 1;
  setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  k->fd[0] = c;
  k->fd[1] = u;
  conns[slot] = k;
}

static void close_conn(int i) {
  close(conns[i]->fd[0]);
  close(conns[i]->fd[1]);
  free(conns[i]);
  conns[i] = NULL;
}

/* Moves what can move without blocking; returns 0 once the connection is finished. */
static int pump(struct conn *k, int i, short revents_from) {
  struct pipe_dir *d = &k->dir[i];
  int from = k->fd[i], to = k->fd[1 - i];
  if (d->len == 0 && !d->eof && (revents_from & (POLLIN | POLLHUP | POLLERR))) {
    ssize_t n = read(from, d->buf, BUF_SIZE);
    if (n > 0) {
      d->off = 0;
      d->len = (size_t)n;
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      d->eof = 1;
    }
  }
  if (d->len > 0) {
    /* MSG_NOSIGNAL: a peer that went away is an EPIPE to handle, not a SIGPIPE for pid 1. */
    ssize_t n = send(to, d->buf + d->off, d->len, MSG_NOSIGNAL);
    if (n > 0) {
      d->off += (size_t)n;
      d->len -= (size_t)n;
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return 0;
    }
  }
  if (d->eof && d->len == 0 && !d->shut) {
    shutdown(to, SHUT_WR);
    d->shut = 1;
  }
  return !(k->dir[0].shut && k->dir[1].shut);
}

static void report(int status_fd, int status) {
  if (WIFSIGNALED(status)) dprintf(status_fd, "signal %d\n", WTERMSIG(status));
  else dprintf(status_fd, "exit %d\n", WEXITSTATUS(status));
}

static int if_up(int fd, const char *name) {
  struct ifreq ifr = {0};
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) return -1;
  ifr.ifr_flags |= IFF_UP;
  return ioctl(fd, SIOCSIFFLAGS, &ifr);
}

static void set_in(struct sockaddr *sa, in_addr_t addr) {
  struct sockaddr_in *in = (struct sockaddr_in *)sa;
  in->sin_family = AF_INET;
  in->sin_addr.s_addr = addr;
}

/* The sandbox's side of its network (see launch); NULL, or the step that failed. */
static const char *configure_net(const char *address, const char *gateway) {
  struct in_addr a, gw;
  if (inet_pton(AF_INET, address, &a) != 1 || inet_pton(AF_INET, gateway, &gw) != 1) return "bad address";
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "socket";
  const char *failed = NULL;
  int v6 = open("/proc/sys/net/ipv6/conf/eth0/disable_ipv6", O_WRONLY | O_CLOEXEC);
  if (v6 >= 0) {
    if (write(v6, "1", 1) != 1) failed = "disable_ipv6";
    close(v6);
  }
  struct ifreq ifr = {0};
  strncpy(ifr.ifr_name, "eth0", IFNAMSIZ - 1);
  set_in(&ifr.ifr_addr, a.s_addr);
  if (!failed && ioctl(fd, SIOCSIFADDR, &ifr) < 0) failed = "eth0 address";
  set_in(&ifr.ifr_netmask, 0xffffffff);
  if (!failed && ioctl(fd, SIOCSIFNETMASK, &ifr) < 0) failed = "eth0 netmask";
  if (!failed && if_up(fd, "eth0") < 0) failed = "eth0 up";
  if (!failed && if_up(fd, "lo") < 0) failed = "lo up";
  struct rtentry host = {0};
  set_in(&host.rt_dst, gw.s_addr);
  set_in(&host.rt_genmask, 0xffffffff);
  host.rt_flags = RTF_UP | RTF_HOST;
  host.rt_dev = "eth0";
  if (!failed && ioctl(fd, SIOCADDRT, &host) < 0) failed = "route to the gateway";
  struct rtentry def = {0};
  set_in(&def.rt_dst, INADDR_ANY);
  set_in(&def.rt_genmask, INADDR_ANY);
  set_in(&def.rt_gateway, gw.s_addr);
  def.rt_flags = RTF_UP | RTF_GATEWAY;
  def.rt_dev = "eth0";
  if (!failed && ioctl(fd, SIOCADDRT, &def) < 0) failed = "default route";
  close(fd);
  return failed;
}

static int launch_failed(const char *what, const char *arg) {
  dprintf(2, "gust launcher: %s%s: %s\n", what, arg, strerror(errno));
  return 126;
}

/*
 * A mount namespace of this process's own, a slave of the host's, in which each of `detach`
 * (`n` of them) is lazily unmounted with what is under it, and `keep` (when given) is what
 * it was before, cloned ahead and attached again at its path. NULL, or the step that failed.
 */
static const char *private_mounts(const char *keep, char **detach, int n) {
  int tree = -1;
  if (keep && (tree = (int)syscall(SYS_open_tree, AT_FDCWD, keep, OPEN_TREE_CLONE | O_CLOEXEC)) < 0) return "clone";
  if (unshare(CLONE_NEWNS) < 0) return "unshare";
  /* A slave, not private: what the host mounts later still comes in (the sandbox volume,
     mounted once the server listens, after the first spares launched). */
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) return "make it a slave";
  /* EINVAL: not a mount point (nothing mounted there yet), so nothing to take away. */
  for (int k = 0; k < n; k++)
    if (umount2(detach[k], MNT_DETACH) < 0 && errno != EINVAL) return "detach";
  if (tree >= 0) {
    if (syscall(SYS_move_mount, tree, "", AT_FDCWD, keep, MOVE_MOUNT_F_EMPTY_PATH) < 0) return "attach";
    close(tree);
  }
  return NULL;
}

static int launch(int argc, char **argv) {
  if (argc < 6) {
    dprintf(2, "usage: gust-init launch <nofile> <uid> <gid> [--net <netns path> <address> <gateway>] [--keep <mount>] [--detach <dir>]... [cgroup.procs...] -- <command> [args...]\n");
    return 126;
  }
  rlim_t nofile = (rlim_t)strtoul(argv[2], NULL, 10);
  struct rlimit rl = {.rlim_cur = nofile, .rlim_max = nofile};
  if (setrlimit(RLIMIT_NOFILE, &rl) < 0) return launch_failed("cannot set the open-files limit to ", argv[2]);
  int i = 5;
  if (i + 3 < argc && strcmp(argv[i], "--net") == 0) {
    int ns = open(argv[i + 1], O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) return launch_failed("cannot enter the network namespace ", argv[i + 1]);
    close(ns);
    const char *failed = configure_net(argv[i + 2], argv[i + 3]);
    if (failed) return launch_failed("cannot configure the sandbox network: ", failed);
    i += 4;
  }
  const char *keep = NULL;
  if (i + 1 < argc && strcmp(argv[i], "--keep") == 0) {
    keep = argv[i + 1];
    i += 2;
  }
  char *detach[8];
  int detaching = 0;
  for (; i + 1 < argc && strcmp(argv[i], "--detach") == 0 && detaching < 8; i += 2) detach[detaching++] = argv[i + 1];
  if (detaching > 0) {
    const char *failed = private_mounts(keep, detach, detaching);
    if (failed) return launch_failed("cannot make the sandbox's mount namespace: ", failed);
  }
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    int fd = open(argv[i], O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) return launch_failed("cannot join ", argv[i]);
    close(fd);
  }
  if (i + 1 >= argc) return launch_failed("no command after --", "");
  uid_t uid = (uid_t)strtoul(argv[3], NULL, 10);
  gid_t gid = (gid_t)strtoul(argv[4], NULL, 10);
  /* Groups first: once the uid is dropped, changing them is no longer allowed. */
  if (setgroups(0, NULL) < 0 || setgid(gid) < 0) return launch_failed("cannot set the group to ", argv[4]);
  if (setuid(uid) < 0) return launch_failed("cannot set the user to ", argv[3]);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1) return launch_failed("parent gone", "");
  execv(argv[i + 1], argv + i + 1);
  return launch_failed("cannot execute ", argv[i + 1]);
}


/* struct mount_attr, which older C libraries do not declare. */
struct bind_attr {
  unsigned long long attr_set, attr_clr, propagation, userns_fd;
};

/* The mount namespace of `pid`'s first child, open; -1 with errno set. */
static int child_mount_ns(const char *pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%.16s/task/%.16s/children", pid, pid);
  FILE *f = fopen(path, "re");
  if (!f) return -1;
  long child = 0;
  int got = fscanf(f, "%ld", &child);
  fclose(f);
  if (got != 1 || child <= 0) {
    errno = ESRCH;
    return -1;
  }
  snprintf(path, sizeof path, "/proc/%ld/ns/mnt", child);
  return open(path, O_RDONLY | O_CLOEXEC);
}

/*
 * One bind (read-only unless `readonly` is 0) of src (a host path) on dst in the mount
 * namespace of pid's child; 0 or an errno. Exits when it cannot come back to `home`, the host's namespace: every later
 * request's src would resolve in the wrong one.
 */
static int bind_into(int home, const char *src, const char *pid, const char *dst, int readonly) {
  int fd = (int)syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | O_CLOEXEC);
  if (fd < 0) return errno;
  struct bind_attr attr = {.attr_set = (readonly ? BIND_RDONLY : 0) | BIND_NOSUID | BIND_NODEV};
  int err = 0;
  int ns = -1;
  if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0 || (ns = child_mount_ns(pid)) < 0 || setns(ns, CLONE_NEWNS) < 0) {
    err = errno;
  } else {
    if (syscall(SYS_move_mount, fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0) err = errno;
    if (setns(home, CLONE_NEWNS) < 0) _exit(126);
  }
  if (ns >= 0) close(ns);
  close(fd);
  return err;
}

/* Copies the data ranges of `in` (of `size` bytes) to `out`, which ends `size` bytes long; -1 with errno set. */
static int copy_sparse(int in, int out, off_t size) {
  for (off_t pos = 0; pos < size;) {
    off_t data = lseek(in, pos, SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) break; /* nothing but a hole to the end */
      return -1;
    }
    off_t hole = lseek(in, data, SEEK_HOLE);
    if (hole < 0) return -1;
    loff_t from = data, to = data;
    while (from < hole) {
      ssize_t n = copy_file_range(in, &from, out, &to, (size_t)(hole - from), 0);
      if (n < 0) return -1;
      if (n == 0) break;
    }
    pos = hole;
  }
  return ftruncate(out, size);
}

/* A disk: `image` copied from `template`, on a loop device of its own, mounted at `mnt`; 0 or an errno. */
static int make_disk(const char *template, const char *image, const char *mnt) {
  int err = 0, in = -1, img = -1, ctl = -1, lo = -1;
  struct stat st;
  if ((in = open(template, O_RDONLY | O_CLOEXEC)) < 0 || fstat(in, &st) < 0 ||
      (img = open(image, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 || copy_sparse(in, img, st.st_size) < 0 ||
      (ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC)) < 0) {
    err = errno;
    goto out;
  }
  char dev[32];
  /* Another process may take the device between GET_FREE and CONFIGURE: EBUSY, take the next. */
  for (int tries = 0;; tries++) {
    int n = ioctl(ctl, LOOP_CTL_GET_FREE);
    if (n < 0) {
      err = errno;
      goto out;
    }
    snprintf(dev, sizeof dev, "/dev/loop%d", n);
    if ((lo = open(dev, O_RDWR | O_CLOEXEC)) < 0) {
      err = errno;
      goto out;
    }
    struct loop_config config;
    memset(&config, 0, sizeof config);
    config.fd = (unsigned)img;
    config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
    if (ioctl(lo, LOOP_CONFIGURE, &config) == 0) break;
    err = errno;
    close(lo);
    lo = -1;
    if (err != EBUSY || tries == 16) goto out;
    err = 0;
  }
  /* Closing `lo` after the mount leaves the device to the mount; after a failed one, detaches it. */
  if (mount(dev, mnt, "ext4", MS_NOSUID | MS_NODEV | MS_NOATIME, "noinit_itable") < 0) err = errno;
out:
  if (lo >= 0) close(lo);
  if (ctl >= 0) close(ctl);
  if (img >= 0) close(img);
  if (in >= 0) close(in);
  return err;
}

static int helper(int argc, char **argv) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1) return 126;
  if (argc == 3) {
    if (strcmp(argv[2], "-") != 0) {
      int fd = open(argv[2], O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write(fd, "0", 1) != 1) return 126;
      close(fd);
    }
    if (setpriority(PRIO_PROCESS, 0, 19) < 0) return 126;
  }
  int home = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  if (home < 0) return 126;
  static char buf[3 * 4096 + 16];
  size_t have = 0;
  for (;;) {
    ssize_t n = read(0, buf + have, sizeof buf - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    have += (size_t)n;
    /* Every complete request in the buffer: four NUL-terminated fields. */
    for (;;) {
      char *field[4];
      char *at = buf;
      int k = 0;
      for (; k < 4; k++) {
        char *end = memchr(at, '\0', have - (size_t)(at - buf));
        if (!end) break;
        field[k] = at;
        at = end + 1;
      }
      if (k < 4) break;
      int err = strcmp(field[0], "bind") == 0     ? bind_into(home, field[1], field[2], field[3], 1)
                : strcmp(field[0], "bindrw") == 0 ? bind_into(home, field[1], field[2], field[3], 0)
                : strcmp(field[0], "disk") == 0 ? make_disk(field[1], field[2], field[3])
                                                 : EINVAL;
      if (err) dprintf(1, "error %d\n", err);
      else dprintf(1, "ok\n");
      size_t used = (size_t)(at - buf);
      memmove(buf, at, have - used);
      have -= used;
    }
    if (have == sizeof buf) return 126; /* a request longer than three paths can be */
  }
}

/* Reads the NUL-separated command line from fd until EOF; NULL when there is none. */
static char **read_command(int fd) {
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (!buf) return NULL;
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return NULL;
    if (n == 0) break;
    len += (size_t)n;
    if (len == cap) buf = realloc(buf, cap *= 2);
  }
  close(fd);
  if (len == 0 || buf[len - 1] != '\0') return NULL;
  size_t count = 0;
  for (size_t i = 0; i < len; i++) count += buf[i] == '\0';
  char **argv = calloc(count + 1, sizeof *argv);
  if (!argv) return NULL;
  for (size_t i = 0, k = 0; i < len; i += strlen(buf + i) + 1) argv[k++] = buf + i;
  return argv;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "launch") == 0) return launch(argc, argv);
  if ((argc == 2 || argc == 3) && strcmp(argv[1], "helper") == 0) return helper(argc, argv);
  if (argc != 5) {
    dprintf(2, "usage: gust-init <status-fd> <command-fd> <port> <socket>\n");
    return 127;
  }
  int status_fd = atoi(argv[1]);
  char **command = read_command(atoi(argv[2]));
  if (!command || command[0][0] != '/') {
    dprintf(2, "gust-init: no command on fd %s\n", argv[2]);
    return 127;
  }
  /* bwrap sets PWD for its --chdir; the runtime gets exactly the environment Gust gave. */
  unsetenv("PWD");
  /* Nothing Gust's side left open stays in the sandbox: a host descriptor here would be one
     /proc/1/fd/N away from the runtime. */
  if (status_fd > 3) close_range(3, (unsigned)status_fd - 1, 0);
  close_range((unsigned)status_fd + 1, ~0U, 0);
  fcntl(status_fd, F_SETFD, FD_CLOEXEC);
  int lfd = listen_tcp(atoi(argv[3]));
  const char *path = argv[4];

  sigset_t mask, old;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  struct sigaction sa = {.sa_handler = ignore_signal};
  for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) {
    sigaction(forwarded[i], &sa, NULL);
    sigaddset(&mask, forwarded[i]);
  }
  sigprocmask(SIG_BLOCK, &mask, &old);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die("signalfd");

  /* Same uid as the runtime, but not open to it: no /proc/1/mem, /proc/1/fd or core dumps. */
  prctl(PR_SET_DUMPABLE, 0);
  /* From here on a SIGTERM is forwarded, not lost: Gust waits for this line before sending one. */
  dprintf(status_fd, "ready\n");
  pid_t runtime = fork();
  if (runtime < 0) die("fork");
  if (runtime == 0) {
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++) sigaction(forwarded[i], &dfl, NULL);
    sigprocmask(SIG_SETMASK, &old, NULL);
    execv(command[0], command);
    dprintf(2, "gust-init: execv %s: %s\n", command[0], strerror(errno));
    _exit(127);
  }

  struct pollfd fds[2 + 2 * MAX_CONNS];
  for (;;) {
    int n = 0;
    fds[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
    fds[n++] = (struct pollfd){.fd = lfd, .events = POLLIN};
    for (int i = 0; i < MAX_CONNS; i++) {
      struct conn *k = conns[i];
      for (int s = 0; s < 2; s++) {
        short ev = 0;
        if (k && k->dir[s].len == 0 && !k->dir[s].eof) ev |= POLLIN;
        if (k && k->dir[1 - s].len > 0) ev |= POLLOUT;
        fds[n++] = (struct pollfd){.fd = k ? k->fd[s] : -1, .events = ev};
      }
    }
    if (poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (fds[0].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo != SIGCHLD) {
          /* From pid 1, -1 means every other process of the namespace. */
          kill(-1, (int)si.ssi_signo);
          continue;
        }
        int status;
        pid_t p;
        while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
          if (p != runtime) continue;
          report(status_fd, status);
          return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
      }
    }
    if (fds[1].revents & POLLIN) accept_conn(lfd, path);
    for (int i = 0; i < MAX_CONNS; i++) {
      struct conn *k = conns[i];
      if (!k) continue;
      short r0 = fds[2 + 2 * i].revents, r1 = fds[3 + 2 * i].revents;
      if (!(r0 | r1)) continue;
      int alive = pump(k, 0, r0) & pump(k, 1, r1);
      if (!alive || ((r0 | r1) & POLLERR)) close_conn(i);
    }
  }
}
