/*
 * sandbox-drop.c: the first step of every child's sandbox, taken in the
 * parent's fork child before exec: started as root, the child becomes
 * nobody for good.  The other steps (sandbox.c) run in the child after
 * exec; this one lives apart so that the parent, which takes only this
 * step, does not link libseccomp.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/prctl.h>

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "sfrevops.h"

#define SANDBOX_USER		"nobody"
#define SANDBOX_FALLBACK_ID	65534	/* nobody/nogroup on Debian */

/*
 * Started as root: become nobody for good.  Called in the parent's fork
 * child before exec.  Keeps a parent-death signal across the change
 * (the kernel clears it when credentials change).
 */
void
sandbox_drop_privileges(void)
{
	struct passwd	*pw;
	uid_t		 uid = SANDBOX_FALLBACK_ID, ruid, euid, suid;
	gid_t		 gid = SANDBOX_FALLBACK_ID, rgid, egid, sgid;
	int		 pdeathsig = 0;
	pid_t		 ppid;

	if (geteuid() != 0 && getuid() != 0)
		return;
	if ((pw = getpwnam(SANDBOX_USER)) != NULL) {
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	} else
		log_info("no user %s; dropping to uid/gid %d", SANDBOX_USER,
		    SANDBOX_FALLBACK_ID);
	if (uid == 0 || gid == 0)
		fatalx("user %s has uid or gid 0; refusing to run children "
		    "as root", SANDBOX_USER);
	if (prctl(PR_GET_PDEATHSIG, &pdeathsig) == -1)
		fatal("prctl PR_GET_PDEATHSIG");
	ppid = getppid();

	if (setgroups(0, NULL) == -1)
		fatal("setgroups");
	if (setresgid(gid, gid, gid) == -1)
		fatal("setresgid %u", (unsigned)gid);
	if (setresuid(uid, uid, uid) == -1)
		fatal("setresuid %u", (unsigned)uid);

	/* Verify that it stuck and cannot be undone. */
	if (getresuid(&ruid, &euid, &suid) == -1 ||
	    getresgid(&rgid, &egid, &sgid) == -1)
		fatal("getresuid");
	if (ruid != uid || euid != uid || suid != uid ||
	    rgid != gid || egid != gid || sgid != gid ||
	    getgroups(0, NULL) != 0)
		fatalx("privilege drop to %u:%u did not take", (unsigned)uid,
		    (unsigned)gid);
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1)
		fatalx("privilege drop: root could be regained");

	if (pdeathsig != 0 && prctl(PR_SET_PDEATHSIG, pdeathsig) == -1)
		fatal("prctl PR_SET_PDEATHSIG");
	/* The credential change cleared the death signal until now: a
	 * parent that died meanwhile left us to another. */
	if (pdeathsig != 0 && getppid() != ppid)
		fatalx("the parent process died during the privilege drop");
}

