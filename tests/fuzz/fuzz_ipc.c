/*
 * libFuzzer target: bytes from a peer, as ipc_read() and ipc_get() take
 * them off a real socketpair, with and without descriptors attached.
 *
 * Input: byte 0 is the set-up (bit 0: the channel accepts descriptors,
 * as the broker's parent channel does; bits 1-3: how many descriptors
 * the peer sends, 0-7; bits 4-7: how many chunks the bytes are sent
 * in), then the bytes.  Checked: no memory error; ipc_get() answers 1,
 * 0 or -1, and -1 always with a reason; a message it hands out has the
 * length its header says and a type of the catalogue; a frame it
 * refuses ends the channel; no descriptor is leaked: after
 * ipc_close() exactly the descriptors open before remain.
 */
#include "config.h"

#include <sys/socket.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sfrevops.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
open_fds(void)
{
	int	 fd, n = 0;

	for (fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

/* Send len bytes with nfd descriptors (copies of /dev/null) on the
 * first sendmsg.  -1 if the kernel refused (then nothing is checked). */
static int
send_chunk(int s, const uint8_t *p, size_t len, int nfd)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(8 * sizeof(int))];
	} cm;
	int		 fds[8], i, r;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)p;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	for (i = 0; i < nfd; i++)
		if ((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
			abort();
	if (nfd > 0) {
		struct cmsghdr *c;

		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfd * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfd * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfd * sizeof(int));
	}
	r = sendmsg(s, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
	for (i = 0; i < nfd; i++)
		close(fds[i]);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ipc	 ipc;
	struct ipc_msg	 msg;
	char		 err[256];
	int		 sv[2], before, nfd, chunks, r, fd;
	size_t		 i, off, step;

	if (len < 1 || len > 60000)
		return 0;
	before = open_fds();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		abort();
	ipc_init(&ipc, sv[0], PROC_PARENT);
	ipc.fds_ok = data[0] & 1;
	nfd = (data[0] >> 1) & 7;
	chunks = 1 + (data[0] >> 4);
	data++;
	len--;
	step = len / (size_t)chunks + 1;
	for (off = 0, i = 0; off < len || i == 0; off += step, i++) {
		size_t n = len - off < step ? len - off : step;
		if (send_chunk(sv[1], data + off, n, i == 0 ? nfd : 0) == -1)
			break;
	}
	close(sv[1]);
	for (;;) {
		r = ipc_read(&ipc);
		if (r != 1)
			break;
		for (;;) {
			err[0] = '\0';
			r = ipc_get(&ipc, &msg, err, sizeof(err));
			if (r == -1) {
				if (err[0] == '\0')
					abort();
				goto done;
			}
			if (r == 0)
				break;
			if (r != 1 || imsg_name(msg.hdr.type) == NULL ||
			    msg.hdr.pad != 0 || msg.hdr.len > IPC_MAX_PAYLOAD ||
			    (msg.hdr.len > 0) != (msg.data != NULL))
				abort();
			if (msg.hdr.len > 0)
				(void)((volatile uint8_t *)msg.data)
				    [msg.hdr.len - 1];
			ipc_msg_free(&msg);
		}
		/* Descriptors are taken as the broker takes them. */
		while ((fd = ipc_take_fd(&ipc)) != -1) {
			if (!ipc.fds_ok)
				abort();	/* refused ones are closed */
			close(fd);
		}
	}
done:
	if (!ipc.fds_ok && ipc.nfds != 0)
		abort();
	ipc_close(&ipc);
	if (open_fds() != before)
		abort();	/* a descriptor leaked */
	return 0;
}
