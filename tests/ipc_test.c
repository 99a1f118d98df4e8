/*
 * ipc_test.c: framing and typed payloads.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sfrevops.h"
#include "tap.h"

static void
pair(struct ipc *a, struct ipc *b, enum proc_role ra, enum proc_role rb)
{
	int	 sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		exit(2);
	ipc_init(a, sv[0], rb);	/* a talks to a peer of role rb */
	ipc_init(b, sv[1], ra);
}

/* Pump until b has a message or an error. */
static int
pump(struct ipc *a, struct ipc *b, struct ipc_msg *m, char *err, size_t len)
{
	int	 i, r;

	for (i = 0; i < 10000; i++) {
		(void)ipc_flush(a);
		r = ipc_read(b);
		if (r == 0)
			return -2;
		if ((r = ipc_get(b, m, err, len)) != 0)
			return r;
	}
	return 0;
}

static void
test_buf(void)
{
	struct buf	 b, r;
	uint32_t	 v;
	char		*s;

	buf_init(&b);
	buf_put_u32(&b, 42);
	buf_put_str(&b, "hello");
	buf_put_strn(&b, "", 0);
	buf_from(&r, b.data, b.len);
	ok(buf_get_u32(&r, &v) == 0 && v == 42, "u32 round trip");
	ok(buf_get_str(&r, &s, 100) == 0 && strcmp(s, "hello") == 0,
	    "string round trip");
	free(s);
	ok(buf_get_str(&r, &s, 100) == 0 && strcmp(s, "") == 0,
	    "empty string round trip");
	free(s);
	ok(buf_get_end(&r) == 0, "nothing left over");
	ok(buf_get_u32(&r, &v) == -1, "reading past the end fails");

	buf_from(&r, b.data, b.len);
	(void)buf_get_u32(&r, &v);
	ok(buf_get_str(&r, &s, 4) == -1 && s == NULL,
	    "a string longer than the caller's limit is refused");
	buf_from(&r, b.data, b.len - 1);
	(void)buf_get_u32(&r, &v);
	(void)buf_get_str(&r, &s, 100);
	free(s);
	ok(buf_get_str(&r, &s, 100) == -1, "a truncated length is refused");
	buf_from(&r, b.data, b.len);
	(void)buf_get_u32(&r, &v);
	ok(buf_get_end(&r) == -1, "trailing bytes are noticed");
	buf_free(&b);

	buf_init(&b);
	buf_put_strn(&b, "a\0b", 3);
	buf_from(&r, b.data, b.len);
	ok(buf_get_str(&r, &s, 100) == -1, "a NUL inside a string is refused");
	buf_free(&b);

	buf_init(&b);
	buf_put_u32(&b, 1000);	/* claims 1000 bytes, has none */
	buf_from(&r, b.data, b.len);
	ok(buf_get_str(&r, &s, 5000) == -1, "a length beyond the data fails");
	buf_free(&b);
}

static void
test_hello(void)
{
	struct ipc	 a, b;
	struct ipc_msg	 m;
	char		 err[256];

	pair(&a, &b, PROC_FRONT, PROC_BROKER);
	ipc_send_hello(&a, PROC_FRONT);
	ok(pump(&a, &b, &m, err, sizeof(err)) == 1 && m.hdr.type == IMSG_HELLO,
	    "hello accepted");
	ok(b.hello_seen, "hello recorded");
	ipc_msg_free(&m);
	ipc_send_hello(&a, PROC_FRONT);
	ok(pump(&a, &b, &m, err, sizeof(err)) == -1 &&
	    strstr(err, "second HELLO") != NULL, "a second hello is refused");
	ipc_close(&a);
	ipc_close(&b);

	pair(&a, &b, PROC_FRONT, PROC_BROKER);
	ipc_send_hello(&a, PROC_WRITER);	/* lies about its role */
	ok(pump(&a, &b, &m, err, sizeof(err)) == -1 &&
	    strstr(err, "claims to be writer") != NULL,
	    "a hello naming the wrong role is refused: %s", err);
	ipc_close(&a);
	ipc_close(&b);

	pair(&a, &b, PROC_FRONT, PROC_BROKER);
	{
		struct buf x;
		buf_init(&x);
		buf_put_u32(&x, SFREVOPS_PROTO_VERSION + 1);
		buf_put_u32(&x, PROC_FRONT);
		ipc_send_buf(&a, IMSG_HELLO, 0, &x);
		buf_free(&x);
	}
	ok(pump(&a, &b, &m, err, sizeof(err)) == -1 &&
	    strstr(err, "protocol version") != NULL,
	    "a hello with another protocol version is refused");
	ipc_close(&a);
	ipc_close(&b);

	pair(&a, &b, PROC_FRONT, PROC_BROKER);
	ipc_send(&a, IMSG_HELLO, 0, "xyz", 3);
	ok(pump(&a, &b, &m, err, sizeof(err)) == -1 &&
	    strstr(err, "bad length") != NULL, "a short hello is refused");
	ipc_close(&a);
	ipc_close(&b);

	pair(&a, &b, PROC_FRONT, PROC_BROKER);
	ipc_send(&a, IMSG_SF_QUERY, 1, "x", 1);
	ok(pump(&a, &b, &m, err, sizeof(err)) == -1 &&
	    strstr(err, "before HELLO") != NULL,
	    "a request before hello is refused");
	ipc_close(&a);
	ipc_close(&b);
}

static void
raw_header(int fd, uint32_t type, uint32_t len, uint32_t id, uint32_t pad)
{
	struct ipc_hdr h = { type, len, id, pad };

	if (write(fd, &h, sizeof(h)) != (ssize_t)sizeof(h))
		exit(2);
}

static void
test_bad_frames(void)
{
	struct ipc	 a, b;
	struct ipc_msg	 m;
	char		 err[256];

	pair(&a, &b, PROC_FRONT, PROC_BROKER);
	ipc_send_hello(&a, PROC_FRONT);
	(void)pump(&a, &b, &m, err, sizeof(err));
	ipc_msg_free(&m);
	raw_header(a.fd, 33, 0, 1, 0);
	ok(pump(&a, &b, &m, err, sizeof(err)) == -1 &&
	    strstr(err, "unknown type 33") != NULL, "unknown type refused");
	ipc_close(&a);
	ipc_close(&b);

	pair(&a, &b, PROC_FRONT, PROC_BROKER);
	ipc_send_hello(&a, PROC_FRONT);
	(void)pump(&a, &b, &m, err, sizeof(err));
	ipc_msg_free(&m);
	raw_header(a.fd, IMSG_SF_QUERY, IPC_MAX_PAYLOAD + 1, 1, 0);
	ok(pump(&a, &b, &m, err, sizeof(err)) == -1 &&
	    strstr(err, "exceeds the limit") != NULL,
	    "an oversized length is refused before any payload is read");
	ipc_close(&a);
	ipc_close(&b);

	pair(&a, &b, PROC_FRONT, PROC_BROKER);
	ipc_send_hello(&a, PROC_FRONT);
	(void)pump(&a, &b, &m, err, sizeof(err));
	ipc_msg_free(&m);
	raw_header(a.fd, IMSG_SF_QUERY, 0, 1, 7);
	ok(pump(&a, &b, &m, err, sizeof(err)) == -1 &&
	    strstr(err, "pad") != NULL, "a non-zero pad is refused");
	ipc_close(&a);
	ipc_close(&b);

	pair(&a, &b, PROC_FRONT, PROC_BROKER);
	ipc_send_hello(&a, PROC_FRONT);
	(void)pump(&a, &b, &m, err, sizeof(err));
	ipc_msg_free(&m);
	raw_header(a.fd, IMSG_MAX + 100, 0, 1, 0);
	ok(pump(&a, &b, &m, err, sizeof(err)) == -1,
	    "a type beyond the catalogue is refused");
	ipc_close(&a);
	ipc_close(&b);
}

static void
test_big(void)
{
	struct ipc	 a, b;
	struct ipc_msg	 m;
	char		 err[256];
	uint8_t		*big;
	size_t		 n = 3 * 1024 * 1024 + 17, i;
	int		 r, same = 1, rounds = 0;

	pair(&a, &b, PROC_BROKER, PROC_FRONT);
	ipc_send_hello(&a, PROC_BROKER);
	(void)pump(&a, &b, &m, err, sizeof(err));
	ipc_msg_free(&m);
	big = malloc(n);
	for (i = 0; i < n; i++)
		big[i] = (uint8_t)(i * 7);
	ipc_send(&a, IMSG_SF_QUERY_R, 77, big, n);
	ipc_send(&a, IMSG_SF_QUERY_R, 78, "tail", 4);
	/* The socket takes it in pieces: interleave flushing and reading. */
	for (;;) {
		struct pollfd p = { b.fd, POLLIN, 0 };
		(void)ipc_flush(&a);
		(void)poll(&p, 1, 10);
		if (ipc_read(&b) == -1 && errno != EAGAIN)
			break;
		if ((r = ipc_get(&b, &m, err, sizeof(err))) != 0)
			break;
		rounds++;
	}
	ok(r == 1 && m.hdr.id == 77 && m.hdr.len == n,
	    "a 3 MiB message arrives whole (%d partial reads)", rounds);
	for (i = 0; r == 1 && i < n; i++)
		if (m.data[i] != (uint8_t)(i * 7))
			same = 0;
	ok(same, "and unchanged");
	ipc_msg_free(&m);
	(void)ipc_flush(&a);
	(void)ipc_read(&b);
	ok(ipc_get(&b, &m, err, sizeof(err)) == 1 && m.hdr.id == 78 &&
	    m.hdr.len == 4 && memcmp(m.data, "tail", 4) == 0,
	    "the message after it is intact");
	ipc_msg_free(&m);
	free(big);

	ipc_send_error(&a, 5, SFE_NOT_FOUND, "no such record");
	(void)pump(&a, &b, &m, err, sizeof(err));
	{
		struct buf x;
		uint32_t code;
		char *msg = NULL;
		buf_from(&x, m.data, m.hdr.len);
		ok(m.hdr.type == IMSG_ERROR && m.hdr.id == 5 &&
		    buf_get_u32(&x, &code) == 0 && code == SFE_NOT_FOUND &&
		    buf_get_str(&x, &msg, 100) == 0 &&
		    strcmp(msg, "no such record") == 0 && buf_get_end(&x) == 0,
		    "a typed error round trip");
		free(msg);
	}
	ipc_msg_free(&m);
	ipc_close(&a);
	ok(ipc_read(&b) == 0, "EOF is reported when the peer closes");
	ipc_close(&b);
}

static int
nfds_open(void)
{
	int	 fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

/* A raw frame with n descriptors attached, as a hostile peer sends it. */
static void
send_raw_fds(int sock, uint32_t type, const int *fds, int n)
{
	struct ipc_hdr	 hdr;
	struct msghdr	 mh;
	struct iovec	 iov;
	char		 cm[CMSG_SPACE(8 * sizeof(int))];
	struct cmsghdr	*c;

	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	memset(&mh, 0, sizeof(mh));
	memset(cm, 0, sizeof(cm));
	iov.iov_base = &hdr;
	iov.iov_len = sizeof(hdr);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm;
	mh.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, (size_t)n * sizeof(int));
	if (sendmsg(sock, &mh, 0) == -1)
		exit(2);
}

static void
test_fds(void)
{
	struct ipc	 a, b;
	struct ipc_msg	 m;
	struct buf	 pl;
	char		 err[256], c = 0;
	int		 p[2], fd, before, fds[8], i, sv[2];

	/* A descriptor travels with its frame, and the sender's copy goes. */
	pair(&a, &b, PROC_PARENT, PROC_BROKER);
	b.fds_ok = 1;
	ipc_send_hello(&a, PROC_PARENT);
	ipc_send_hello(&b, PROC_BROKER);
	(void)ipc_flush(&b);
	(void)ipc_read(&a);
	(void)ipc_get(&a, &m, err, sizeof(err));
	ipc_msg_free(&m);
	if (pipe(p) == -1)
		exit(2);
	before = nfds_open();
	buf_init(&pl);
	buf_put_u32(&pl, 0);
	ipc_send_fd(&a, IMSG_SF_GET_R, 5, &pl, p[1]);
	buf_free(&pl);
	ok(pump(&a, &b, &m, err, sizeof(err)) == 1 &&
	    m.hdr.type == IMSG_HELLO, "hello first");
	ipc_msg_free(&m);
	ok(pump(&a, &b, &m, err, sizeof(err)) == 1 && m.hdr.id == 5,
	    "the frame that carries a descriptor arrives");
	ipc_msg_free(&m);
	fd = ipc_take_fd(&b);
	ok(fd != -1, "and its descriptor with it (%d)", fd);
	ok(nfds_open() == before, "the sender's copy was closed once sent");
	ok(fd != -1 && write(fd, "x", 1) == 1 && read(p[0], &c, 1) == 1 &&
	    c == 'x', "the received descriptor is the same pipe");
	ok(fd != -1 && (fcntl(fd, F_GETFD) & FD_CLOEXEC),
	    "received close-on-exec");
	ok(ipc_take_fd(&b) == -1, "nothing more to take");
	if (fd != -1)
		(void)close(fd);
	(void)close(p[0]);
	ipc_close(&a);
	ipc_close(&b);

	/* A channel that may not carry descriptors refuses and closes them. */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 || pipe(p) == -1)
		exit(2);
	ipc_init(&b, sv[1], PROC_FRONT);
	before = nfds_open();
	send_raw_fds(sv[0], IMSG_HELLO, &p[0], 1);
	errno = 0;
	ok(ipc_read(&b) == -1 && errno == EPROTO, "a descriptor on a channel "
	    "that carries none is a protocol violation");
	ok(nfds_open() == before && b.nfds == 0, "and it is not kept "
	    "(%d open, %d before)", nfds_open(), before);
	ipc_close(&b);
	(void)close(sv[0]);

	/* At most IPC_MAX_FDS may wait; IPC_MAX_FDS + 1 is refused. */
	for (i = 0; i < 8; i++)
		fds[i] = p[i % 2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		exit(2);
	ipc_init(&b, sv[1], PROC_PARENT);
	b.fds_ok = 1;
	send_raw_fds(sv[0], IMSG_HELLO, fds, IPC_MAX_FDS);
	ok(ipc_read(&b) == 1 && b.nfds == IPC_MAX_FDS, "%d descriptors may "
	    "wait", IPC_MAX_FDS);
	ipc_close(&b);
	(void)close(sv[0]);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		exit(2);
	ipc_init(&b, sv[1], PROC_PARENT);
	b.fds_ok = 1;
	before = nfds_open();
	send_raw_fds(sv[0], IMSG_HELLO, fds, IPC_MAX_FDS + 1);
	errno = 0;
	ok(ipc_read(&b) == -1 && errno == EPROTO, "%d are refused",
	    IPC_MAX_FDS + 1);
	ipc_close(&b);
	(void)close(sv[0]);
	ok(nfds_open() == before - 2, "and none of them is left open");
	(void)close(p[0]);
	(void)close(p[1]);
}

int
main(void)
{
	log_init(PROC_PARENT, LOG_LVL_CRITICAL);
	test_buf();
	test_hello();
	test_bad_frames();
	test_big();
	test_fds();
	ok(strcmp(imsg_name(IMSG_SF_QUERY), "SF_QUERY") == 0 &&
	    imsg_name(3) == NULL, "imsg_name");
	return tap_done();
}
