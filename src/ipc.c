/*
 * ipc.c: framed messages between our processes.
 *
 * A frame is struct ipc_hdr {type, len, id, pad} followed by len payload
 * bytes, on a non-blocking SOCK_STREAM socketpair.  The receiver checks
 * the header before it buffers the payload: a type outside the catalogue,
 * a length above IPC_MAX_PAYLOAD, a non-zero pad, or any message before
 * the peer's IMSG_HELLO is a protocol violation, and the caller exits
 * (that peer is presumed compromised).  Outgoing frames queue in memory
 * and leave as the socket accepts them, so no process ever blocks on a
 * slow peer.
 */
#include "config.h"

#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sfrevops.h"

struct ipc_out {
	struct ipc_out	*next;
	size_t		 len;
	size_t		 off;
	int		 fd;	/* passed with the frame's first byte, or -1 */
	uint8_t		 data[];
};

/* Queued bytes above which a peer that does not read is a fatal error. */
#define IPC_MAX_QUEUED	(4u * IPC_MAX_PAYLOAD)

static const char *const imsg_names[IMSG_MAX] = {
#define IMSG_NAME(name, num)	[num] = #name,
	IMSG_CATALOGUE(IMSG_NAME)
#undef IMSG_NAME
};

const char *
imsg_name(uint32_t type)
{
	return type < IMSG_MAX ? imsg_names[type] : NULL;
}

void
ipc_init(struct ipc *ipc, int fd, enum proc_role peer)
{
	memset(ipc, 0, sizeof(*ipc));
	ipc->fd = fd;
	ipc->peer = peer;
	if (fd != -1 && fd_set_nonblock(fd) == -1)
		fatal("ipc: fcntl O_NONBLOCK on fd %d", fd);
}

void
ipc_close(struct ipc *ipc)
{
	struct ipc_out	*o, *next;

	for (o = ipc->out_head; o != NULL; o = next) {
		next = o->next;
		if (o->fd != -1)
			(void)close(o->fd);
		explicit_bzero(o->data, o->len);
		free(o);
	}
	while (ipc->nfds > 0)
		(void)close(ipc->fds[--ipc->nfds]);
	if (ipc->rbuf != NULL)
		explicit_bzero(ipc->rbuf, ipc->rcap);
	free(ipc->rbuf);
	if (ipc->fd != -1)
		(void)close(ipc->fd);
	memset(ipc, 0, sizeof(*ipc));
	ipc->fd = -1;
}

void
ipc_send(struct ipc *ipc, uint32_t type, uint32_t id, const void *data,
    size_t len)
{
	struct ipc_out	*o;
	struct ipc_hdr	 hdr;

	if (len > IPC_MAX_PAYLOAD)
		fatalx("ipc: refusing to send %s of %zu bytes (limit %u)",
		    imsg_name(type) ? imsg_name(type) : "?", len,
		    IPC_MAX_PAYLOAD);
	if (ipc->fd == -1)
		return;
	if (ipc->out_bytes + len > IPC_MAX_QUEUED)
		fatalx("ipc: %s peer is not reading (%zu bytes queued)",
		    proc_name(ipc->peer), ipc->out_bytes);
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = (uint32_t)len;
	hdr.id = id;
	o = xmalloc(sizeof(*o) + sizeof(hdr) + len);
	o->next = NULL;
	o->fd = -1;
	o->len = sizeof(hdr) + len;
	o->off = 0;
	memcpy(o->data, &hdr, sizeof(hdr));
	if (len > 0)
		memcpy(o->data + sizeof(hdr), data, len);
	if (ipc->out_tail != NULL)
		ipc->out_tail->next = o;
	else
		ipc->out_head = o;
	ipc->out_tail = o;
	ipc->out_bytes += o->len;
}

void
ipc_send_buf(struct ipc *ipc, uint32_t type, uint32_t id, const struct buf *b)
{
	ipc_send(ipc, type, id, b->data, b->len);
}

void
ipc_send_fd(struct ipc *ipc, uint32_t type, uint32_t id, const struct buf *b,
    int fd)
{
	if (ipc->fd == -1) {
		(void)close(fd);
		return;
	}
	ipc_send_buf(ipc, type, id, b);
	ipc->out_tail->fd = fd;	/* ours now: closed once it has left */
}

/* The frame's first bytes with its descriptor attached. */
static ssize_t
send_with_fd(int sock, const uint8_t *p, size_t len, int fd)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct cmsghdr	*c;

	memset(&mh, 0, sizeof(mh));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = (void *)(uintptr_t)p;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL);
}

int
ipc_take_fd(struct ipc *ipc)
{
	int	 fd;

	if (ipc->nfds == 0)
		return -1;
	fd = ipc->fds[0];
	memmove(ipc->fds, ipc->fds + 1, (size_t)(ipc->nfds - 1) *
	    sizeof(ipc->fds[0]));
	ipc->nfds--;
	return fd;
}

void
ipc_send_error(struct ipc *ipc, uint32_t id, uint32_t code, const char *msg)
{
	struct buf	 b;

	buf_init(&b);
	buf_put_u32(&b, code);
	buf_put_str(&b, msg);
	ipc_send_buf(ipc, IMSG_ERROR, id, &b);
	buf_free(&b);
}

void
ipc_send_hello(struct ipc *ipc, enum proc_role self)
{
	struct buf	 b;

	buf_init(&b);
	buf_put_u32(&b, SFREVOPS_PROTO_VERSION);
	buf_put_u32(&b, (uint32_t)self);
	ipc_send_buf(ipc, IMSG_HELLO, 0, &b);
	buf_free(&b);
}

int
ipc_want_write(const struct ipc *ipc)
{
	return ipc->out_head != NULL;
}

int
ipc_flush(struct ipc *ipc)
{
	struct ipc_out	*o;
	ssize_t		 n;

	while ((o = ipc->out_head) != NULL) {
		if (o->fd != -1 && o->off == 0)
			n = send_with_fd(ipc->fd, o->data, o->len, o->fd);
		else
			n = send(ipc->fd, o->data + o->off, o->len - o->off,
			    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		if (o->fd != -1 && n > 0) {
			/* The peer has its own copy now. */
			(void)close(o->fd);
			o->fd = -1;
		}
		o->off += (size_t)n;
		ipc->out_bytes -= (size_t)n;
		if (o->off == o->len) {
			ipc->out_head = o->next;
			if (ipc->out_head == NULL)
				ipc->out_tail = NULL;
			/* Secrets travel through here: leave no copy. */
			explicit_bzero(o->data, o->len);
			free(o);
		}
	}
	return 0;
}

int
ipc_flush_blocking(struct ipc *ipc, int timeout_ms)
{
	struct pollfd	 pfd;
	uint64_t	 deadline = now_ms() + (uint64_t)timeout_ms;
	uint64_t	 now;
	int		 r;

	while (ipc->out_head != NULL) {
		if (ipc_flush(ipc) == -1)
			return -1;
		if (ipc->out_head == NULL)
			break;
		now = now_ms();
		if (now >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		pfd.fd = ipc->fd;
		pfd.events = POLLOUT;
		r = poll(&pfd, 1, (int)(deadline - now));
		if (r == -1 && errno != EINTR)
			return -1;
	}
	return 0;
}

/*
 * recv(2), with room for descriptors.  A descriptor on a channel that may
 * not carry one, more than IPC_MAX_FDS waiting, or truncated control data
 * is a protocol violation: -1 with EPROTO (the descriptors are closed).
 */
static ssize_t
recv_fds(struct ipc *ipc)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(IPC_MAX_FDS * sizeof(int))];
	} cm;
	struct cmsghdr	*c;
	ssize_t		 n;
	size_t		 i, k;
	int		 fd, bad = 0;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = ipc->rbuf + ipc->rlen;
	iov.iov_len = ipc->rcap - ipc->rlen;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	if ((n = recvmsg(ipc->fd, &mh, MSG_CMSG_CLOEXEC)) == -1)
		return -1;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			bad = 1;
			continue;
		}
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (!ipc->fds_ok || ipc->nfds == IPC_MAX_FDS) {
				(void)close(fd);
				bad = 1;
			} else
				ipc->fds[ipc->nfds++] = fd;
		}
	}
	if (bad || (mh.msg_flags & MSG_CTRUNC)) {
		errno = EPROTO;
		return -1;
	}
	return n;
}

int
ipc_read(struct ipc *ipc)
{
	ssize_t	 n;
	size_t	 want;

	/* Read at most one frame's worth beyond what is buffered. */
	want = 65536;
	if (ipc->rcap - ipc->rlen < want) {
		size_t ncap = ipc->rcap ? ipc->rcap : want;
		while (ncap - ipc->rlen < want)
			ncap *= 2;
		if (ncap > sizeof(struct ipc_hdr) + IPC_MAX_PAYLOAD + want)
			ncap = sizeof(struct ipc_hdr) + IPC_MAX_PAYLOAD + want;
		ipc->rbuf = xreallocarray(ipc->rbuf, 1, ncap);
		ipc->rcap = ncap;
	}
	for (;;) {
		n = recv_fds(ipc);
		if (n == -1 && errno == EINTR)
			continue;
		break;
	}
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 1;
		return -1;
	}
	if (n == 0)
		return 0;
	ipc->rlen += (size_t)n;
	return 1;
}

int
ipc_get(struct ipc *ipc, struct ipc_msg *msg, char *errbuf, size_t errlen)
{
	struct ipc_hdr	 hdr;
	size_t		 total;

	memset(msg, 0, sizeof(*msg));
	if (ipc->rlen < sizeof(hdr))
		return 0;
	memcpy(&hdr, ipc->rbuf, sizeof(hdr));
	if (hdr.pad != 0) {
		snprintf(errbuf, errlen, "frame from %s: non-zero pad",
		    proc_name(ipc->peer));
		return -1;
	}
	if (hdr.type >= IMSG_MAX || imsg_name(hdr.type) == NULL) {
		snprintf(errbuf, errlen, "frame from %s: unknown type %u",
		    proc_name(ipc->peer), hdr.type);
		return -1;
	}
	if (hdr.len > IPC_MAX_PAYLOAD) {
		snprintf(errbuf, errlen, "frame from %s: %s of %u bytes "
		    "exceeds the limit of %u", proc_name(ipc->peer),
		    imsg_name(hdr.type), hdr.len, IPC_MAX_PAYLOAD);
		return -1;
	}
	if (!ipc->hello_seen && hdr.type != IMSG_HELLO) {
		snprintf(errbuf, errlen, "frame from %s: %s before HELLO",
		    proc_name(ipc->peer), imsg_name(hdr.type));
		return -1;
	}
	total = sizeof(hdr) + hdr.len;
	if (ipc->rlen < total) {
		/* Make room for the whole frame now that it is vetted. */
		if (ipc->rcap < total) {
			ipc->rbuf = xreallocarray(ipc->rbuf, 1, total);
			ipc->rcap = total;
		}
		return 0;
	}
	msg->hdr = hdr;
	if (hdr.len > 0) {
		msg->data = xmalloc(hdr.len);
		memcpy(msg->data, ipc->rbuf + sizeof(hdr), hdr.len);
	}
	memmove(ipc->rbuf, ipc->rbuf + total, ipc->rlen - total);
	explicit_bzero(ipc->rbuf + ipc->rlen - total, total);
	ipc->rlen -= total;
	if (hdr.type == IMSG_HELLO) {
		if (ipc->hello_seen) {
			snprintf(errbuf, errlen, "frame from %s: second HELLO",
			    proc_name(ipc->peer));
			ipc_msg_free(msg);
			return -1;
		}
		if (ipc_check_hello(ipc, msg, errbuf, errlen) == -1) {
			ipc_msg_free(msg);
			return -1;
		}
		ipc->hello_seen = 1;
	}
	return 1;
}

int
ipc_check_hello(struct ipc *ipc, const struct ipc_msg *msg, char *errbuf,
    size_t errlen)
{
	struct buf	 b;
	uint32_t	 version, role;

	buf_from(&b, msg->data, msg->hdr.len);
	if (buf_get_u32(&b, &version) == -1 || buf_get_u32(&b, &role) == -1 ||
	    buf_get_end(&b) == -1) {
		snprintf(errbuf, errlen, "HELLO from %s: bad length %u",
		    proc_name(ipc->peer), msg->hdr.len);
		return -1;
	}
	if (version != SFREVOPS_PROTO_VERSION) {
		snprintf(errbuf, errlen, "HELLO from %s: protocol version %u, "
		    "expected %u (mixed binaries?)", proc_name(ipc->peer),
		    version, SFREVOPS_PROTO_VERSION);
		return -1;
	}
	if (role != (uint32_t)ipc->peer) {
		snprintf(errbuf, errlen, "HELLO on the %s channel claims to "
		    "be %s", proc_name(ipc->peer),
		    proc_name((enum proc_role)role));
		return -1;
	}
	return 0;
}

int
ipc_next(struct ipc *ipc, struct ipc_msg *msg)
{
	char	 err[256];
	int	 r;

	for (;;) {
		if ((r = ipc_get(ipc, msg, err, sizeof(err))) == -1)
			fatalx("%s", err);	/* the peer is presumed compromised */
		if (r == 0)
			return 0;
		if (msg->hdr.type != IMSG_HELLO)
			return 1;
		ipc_msg_free(msg);
	}
}

void
ipc_msg_free(struct ipc_msg *msg)
{
	free(msg->data);
	memset(msg, 0, sizeof(*msg));
}

int
ipc_recv_blocking(struct ipc *ipc, struct ipc_msg *msg, int timeout_ms,
    char *errbuf, size_t errlen)
{
	struct pollfd	 pfd;
	uint64_t	 deadline = now_ms() + (uint64_t)timeout_ms;
	uint64_t	 now;
	int		 r;

	for (;;) {
		if ((r = ipc_get(ipc, msg, errbuf, errlen)) != 0)
			return r;
		if (ipc_flush(ipc) == -1) {
			snprintf(errbuf, errlen, "write to %s: %s",
			    proc_name(ipc->peer), strerror(errno));
			return -1;
		}
		now = now_ms();
		if (now >= deadline) {
			snprintf(errbuf, errlen, "timed out waiting for %s",
			    proc_name(ipc->peer));
			return -1;
		}
		pfd.fd = ipc->fd;
		pfd.events = POLLIN | (ipc_want_write(ipc) ? POLLOUT : 0);
		r = poll(&pfd, 1, (int)(deadline - now));
		if (r == -1) {
			if (errno == EINTR)
				continue;
			snprintf(errbuf, errlen, "poll: %s", strerror(errno));
			return -1;
		}
		if (r == 0 || !(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		r = ipc_read(ipc);
		if (r == 0) {
			snprintf(errbuf, errlen, "%s closed the channel",
			    proc_name(ipc->peer));
			return -1;
		}
		if (r == -1) {
			snprintf(errbuf, errlen, "read from %s: %s",
			    proc_name(ipc->peer), strerror(errno));
			return -1;
		}
	}
}
