/*
 * libFuzzer target: the policy verdict on arbitrary frames, for every
 * sender, receiver and state.
 *
 * Input: byte 0 picks the sender (bits 0-1), the receiver (bits 2-3)
 * and the state (bit 4: PS_START or PS_RUN), then frames follow, each
 * {u8 type, u16 length (little end), length payload bytes}, all judged
 * on one channel (so once-only types meet their second arrival).
 * Checked: no memory error; a refusal always says why; an admitted
 * frame is one policy_check() admits too, and its payload decodes with
 * the buf.c readers the handlers use, field by field as the row's
 * shape says, with nothing left over; a type admitted as once-only is
 * refused the second time.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sfrevops.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* 1 if p decodes as shape with the readers the handlers use. */
static int
decodes(const char *shape, const uint8_t *p, size_t len)
{
	struct buf	 b;
	uint32_t	 u;
	char		*s;

	buf_from(&b, p, len);
	for (; *shape != '\0'; shape++) {
		switch (*shape) {
		case 'u':
			if (buf_get_u32(&b, &u) == -1)
				return 0;
			break;
		case 's':
			if (buf_get_str(&b, &s, len) == -1)
				return 0;
			free(s);
			break;
		case '*':
			b.off = b.len;
			break;
		}
	}
	return buf_get_end(&b) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const shapes[] = { "", "u", "s", "us", "su", "u*",
	    "s*", "ss", "uss", "usss", "sss", "ssss", "sssss", "uuss" };
	enum proc_role	 snd, rcv;
	enum policy_state st;
	struct ipc_msg	 msg;
	uint64_t	 once = 0, before;
	char		 err[256];
	size_t		 off = 1, n, i;
	int		 v;

	if (len < 1)
		return 0;
	snd = (enum proc_role)(data[0] & 3);
	rcv = (enum proc_role)((data[0] >> 2) & 3);
	st = (data[0] >> 4) & 1 ? PS_RUN : PS_START;
	while (off + 3 <= len) {
		memset(&msg, 0, sizeof(msg));
		msg.hdr.type = data[off] % 72;	/* a few beyond IMSG_MAX */
		n = (size_t)data[off + 1] | (size_t)data[off + 2] << 8;
		off += 3;
		if (n > len - off)
			n = len - off;
		msg.hdr.len = (uint32_t)n;
		msg.hdr.id = (uint32_t)off;
		if (n > 0) {
			msg.data = malloc(n);	/* exact: ASan sees overreads */
			memcpy(msg.data, data + off, n);
		}
		off += n;
		before = once;
		err[0] = '\0';
		v = policy_verdict(snd, rcv, st, &msg, &once, err, sizeof(err));
		if (v == -1 && (err[0] == '\0' || once != before))
			abort();
		if (v == 0) {
			if (policy_check(snd, rcv, msg.hdr.type, st) != 0)
				abort();
			/* policy_shape_ok() agrees with the buf.c readers
			 * on every shape of the table's alphabet. */
			for (i = 0; i < sizeof(shapes) /
			    sizeof(shapes[0]); i++) {
				int a = policy_shape_ok(shapes[i], msg.data, n);
				if (a != decodes(shapes[i], msg.data, n))
					abort();
			}
			if (once != before) {
				/* Once-only: the same frame again is refused. */
				uint64_t again = once;
				if (policy_verdict(snd, rcv, st, &msg, &again,
				    err, sizeof(err)) != -1 || again != once)
					abort();
			}
		}
		free(msg.data);
	}
	return 0;
}
