/*
 * A stand-in for qemu-system-x86_64 for the performance harness (bench/perf/run.sh): one small
 * process per CVM, so that 500 of them cost a few MiB rather than the ~10 MiB each of the tests'
 * python3 fake-qemu. It does, single-threaded with poll(), what the manager needs of a QEMU:
 *   - writes its pid to the file of -pidfile (as QEMU does) and keeps -name guest=<id> in its
 *     command line, so that a restarted manager finds and adopts it from /proc;
 *   - serves QMP on the socket of -qmp unix:PATH,server=on,...: the greeting, qmp_capabilities,
 *     query-status, system_powerdown (POWERDOWN, then SHUTDOWN guest-shutdown and exit 0), quit
 *     (SHUTDOWN host-qmp-quit, exit 0); other commands get CommandNotFound. It unlinks the socket
 *     when it exits, which closes the manager's connection;
 *   - listens on the host port of -netdev user,...,hostfwd=tcp::PORT-:... like QEMU's user network
 *     and answers a connection with an HTTP/2 SETTINGS frame, as the Cocos agent (a gRPC server)
 *     does, so the manager's agent probe sees a ready agent and stops probing;
 *   - prints two console lines at start, then nothing (an idle guest); SIGTERM exits 0.
 * Built by the harness with gcc into its temp directory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <unistd.h>

#define MAX_CLIENTS 8
#define LINE_MAX_BYTES 8192

static char qmp_path[108];

static void finish(int code) {
  if (qmp_path[0]) unlink(qmp_path);
  fflush(stdout);
  _exit(code);
}

static void on_term(int sig) {
  (void)sig;
  static const char msg[] = "standin-qemu: SIGTERM, exiting\n";
  ssize_t ignored = write(1, msg, sizeof msg - 1);
  (void)ignored;
  if (qmp_path[0]) unlink(qmp_path);
  _exit(0);
}

static const char *option(int argc, char **argv, const char *name) {
  for (int i = 1; i + 1 < argc; i++)
    if (strcmp(argv[i], name) == 0) return argv[i + 1];
  return NULL;
}

static void send_text(int fd, const char *text) {
  size_t left = strlen(text);
  while (left > 0) {
    ssize_t n = write(fd, text, left);
    if (n <= 0) return;
    text += n;
    left -= (size_t)n;
  }
}

static void send_event(int fd, const char *name, const char *data) {
  struct timeval now;
  gettimeofday(&now, NULL);
  char buf[512];
  snprintf(buf, sizeof buf, "{\"event\": \"%s\", %s%s%s\"timestamp\": {\"seconds\": %ld, \"microseconds\": %ld}}\r\n",
           name, data ? "\"data\": " : "", data ? data : "", data ? ", " : "", (long)now.tv_sec, (long)now.tv_usec);
  send_text(fd, buf);
}

/* The raw JSON value of "id" in a request (a number or a string without escapes), or "". */
static void request_id(const char *line, char *id, size_t size) {
  id[0] = 0;
  const char *p = strstr(line, "\"id\"");
  if (!p) return;
  p = strchr(p + 4, ':');
  if (!p) return;
  p++;
  while (*p == ' ') p++;
  const char *end = p;
  if (*p == '"') {
    end = strchr(p + 1, '"');
    if (!end) return;
    end++;
  } else {
    while (*end && *end != ',' && *end != '}' && *end != ' ') end++;
  }
  size_t n = (size_t)(end - p);
  if (n + 1 > size) return;
  memcpy(id, p, n);
  id[n] = 0;
}

static void reply(int fd, const char *body, const char *id) {
  char buf[1024];
  if (id[0])
    snprintf(buf, sizeof buf, "{%s, \"id\": %s}\r\n", body, id);
  else
    snprintf(buf, sizeof buf, "{%s}\r\n", body);
  send_text(fd, buf);
}

static int command_is(const char *line, const char *name) {
  char quoted[64];
  snprintf(quoted, sizeof quoted, "\"%s\"", name);
  const char *p = strstr(line, "\"execute\"");
  return p && strstr(p, quoted) != NULL;
}

/* Handles one request line; returns 0 normally, or exits the process. */
static void answer(int fd, const char *line, int *negotiated) {
  char id[128];
  request_id(line, id, sizeof id);
  if (!*negotiated && !command_is(line, "qmp_capabilities")) {
    reply(fd, "\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Expecting capabilities negotiation with "
              "'qmp_capabilities'\"}", id);
  } else if (command_is(line, "qmp_capabilities")) {
    *negotiated = 1;
    reply(fd, "\"return\": {}", id);
  } else if (command_is(line, "query-status")) {
    reply(fd, "\"return\": {\"status\": \"running\", \"singlestep\": false, \"running\": true}", id);
  } else if (command_is(line, "system_powerdown")) {
    reply(fd, "\"return\": {}", id);
    send_event(fd, "POWERDOWN", NULL);
    send_event(fd, "SHUTDOWN", "{\"guest\": true, \"reason\": \"guest-shutdown\"}");
    printf("standin-qemu: shutting down (guest-shutdown)\n");
    finish(0);
  } else if (command_is(line, "quit")) {
    reply(fd, "\"return\": {}", id);
    send_event(fd, "SHUTDOWN", "{\"guest\": false, \"reason\": \"host-qmp-quit\"}");
    printf("standin-qemu: shutting down (host-qmp-quit)\n");
    finish(0);
  } else {
    reply(fd, "\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command has not been found\"}", id);
  }
}

static int listen_unix(const char *path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (fd < 0 || strlen(path) >= sizeof addr.sun_path) return -1;
  strcpy(addr.sun_path, path);
  unlink(path);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 4) < 0) return -1;
  return fd;
}

static int listen_tcp(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 4) < 0) return -1;
  return fd;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGTERM, on_term);
  printf("standin-qemu: started with %d arguments\n", argc - 1);

  const char *pidfile = option(argc, argv, "-pidfile");
  if (pidfile) {
    FILE *f = fopen(pidfile, "w");
    if (!f) {
      fprintf(stderr, "qemu-system-x86_64: cannot create PID file: %s\n", strerror(errno));
      return 1;
    }
    fprintf(f, "%d\n", getpid());
    fclose(f);
  }

  const char *qmp = option(argc, argv, "-qmp");
  int qmp_fd = -1;
  if (qmp && strncmp(qmp, "unix:", 5) == 0) {
    size_t n = strcspn(qmp + 5, ",");
    if (n >= sizeof qmp_path) {
      fprintf(stderr, "qemu-system-x86_64: -qmp %s: UNIX socket path is too long\n", qmp);
      return 1;
    }
    memcpy(qmp_path, qmp + 5, n);
    qmp_path[n] = 0;
    qmp_fd = listen_unix(qmp_path);
    if (qmp_fd < 0) {
      fprintf(stderr, "qemu-system-x86_64: -qmp %s: Failed to bind socket: %s\n", qmp, strerror(errno));
      qmp_path[0] = 0;
      return 1;
    }
  }

  int agent_fd = -1;
  const char *netdev = option(argc, argv, "-netdev");
  const char *fwd = netdev ? strstr(netdev, "hostfwd=tcp:") : NULL;
  if (fwd) {
    const char *port = strchr(fwd + strlen("hostfwd=tcp:"), ':');
    agent_fd = port ? listen_tcp(atoi(port + 1)) : -1;
    if (agent_fd < 0) {
      fprintf(stderr, "qemu-system-x86_64: -netdev %s: could not set up host forwarding rule '%s'\n", netdev, fwd);
      finish(1);
    }
  }
  printf("standin-qemu: guest running\n");

  struct pollfd fds[2 + MAX_CLIENTS];
  static char buffers[MAX_CLIENTS][LINE_MAX_BYTES];
  size_t used[MAX_CLIENTS] = {0};
  int negotiated[MAX_CLIENTS] = {0};
  int clients[MAX_CLIENTS];
  for (int i = 0; i < MAX_CLIENTS; i++) clients[i] = -1;
  static const char settings[] = {0, 0, 0, 4, 0, 0, 0, 0, 0}; /* an empty HTTP/2 SETTINGS frame */

  for (;;) {
    int n = 0;
    fds[n++] = (struct pollfd){.fd = qmp_fd, .events = POLLIN};
    fds[n++] = (struct pollfd){.fd = agent_fd, .events = POLLIN};
    for (int i = 0; i < MAX_CLIENTS; i++) fds[n++] = (struct pollfd){.fd = clients[i], .events = POLLIN};
    if (poll(fds, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      finish(1);
    }
    if (fds[0].revents & POLLIN) {
      int c = accept4(qmp_fd, NULL, NULL, SOCK_CLOEXEC);
      int slot = -1;
      for (int i = 0; i < MAX_CLIENTS && c >= 0; i++)
        if (clients[i] < 0) { slot = i; break; }
      if (slot < 0) {
        if (c >= 0) close(c);
      } else {
        clients[slot] = c;
        used[slot] = 0;
        negotiated[slot] = 0;
        send_text(c, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, "
                     "\"package\": \"standin-qemu\"}, \"capabilities\": [\"oob\"]}}\r\n");
      }
    }
    if (fds[1].revents & POLLIN) {
      int c = accept4(agent_fd, NULL, NULL, SOCK_CLOEXEC);
      if (c >= 0) {
        ssize_t ignored = write(c, settings, sizeof settings);
        (void)ignored;
        close(c);
      }
    }
    for (int i = 0; i < MAX_CLIENTS; i++) {
      if (clients[i] < 0 || !(fds[2 + i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = read(clients[i], buffers[i] + used[i], LINE_MAX_BYTES - 1 - used[i]);
      if (got <= 0) {
        close(clients[i]);
        clients[i] = -1;
        continue;
      }
      used[i] += (size_t)got;
      buffers[i][used[i]] = 0;
      char *start = buffers[i], *newline;
      while ((newline = strchr(start, '\n')) != NULL) {
        *newline = 0;
        if (strstr(start, "\"execute\"")) answer(clients[i], start, &negotiated[i]);
        start = newline + 1;
      }
      used[i] = strlen(start);
      memmove(buffers[i], start, used[i] + 1);
      if (used[i] == LINE_MAX_BYTES - 1) used[i] = 0; /* an overlong line: dropped */
    }
  }
}
