/*
 * conf.h: configuration from the environment, read once by the parent.
 */
#ifndef CONF_H
#define CONF_H

#include <stddef.h>

/* A secret in libsodium guarded memory.  p is NUL-terminated. */
struct secret {
	char	*p;
	size_t	 len;
	char	 source[64];	/* "SFDC_ACCESS_TOKEN_FILE", never the value */
};

struct sf_config {
	char	*json;		/* non-secret settings for IMSG_CONFIG */
	struct secret	access_token;
	struct secret	refresh_token;
	struct secret	client_secret;
	struct secret	private_key;
	/* sfrevops-mcp login only: filled in by cli_login.c */
	struct secret	auth_code;
	struct secret	code_verifier;
	/* The CA bundle the broker trusts, read here (as the user that
	 * started us) so that its path need not be readable by the
	 * unprivileged user the broker runs as. */
	char	*ca_pem;
	size_t	 ca_len;
	char	 ca_name[1025];	/* its path, for messages */
	char	 journal[1025];	/* SFDC_JOURNAL, its default, or "none" */
};

/* The write settings' defaults and bounds (contrib/WRITES.md). */
#define CONF_WRITE_OBJECTS	"Account,Opportunity,Contact,Lead"
#define CONF_WRITABLE_FIELDS	"Account.*,Opportunity.*,Contact.*,Lead.*"
#define CONF_WRITE_OBJECTS_MAX	32	/* objects in SFDC_WRITE_OBJECTS */
#define CONF_LIST_MAX		4096	/* bytes of either list */
#define CONF_PATH_MAX		1024	/* bytes of SFDC_JOURNAL */
#define CONF_JOURNAL_MAX_MB	4096	/* SFDC_JOURNAL_MAX_MB's ceiling */
#define CONF_JOURNAL_TAIL	"sfrevops-mcp/journal.jsonl"

/* The bundle used without SFDC_CA_FILE: Debian's ca-certificates. */
#define CA_BUNDLE_DEFAULT	"/etc/ssl/certs/ca-certificates.crt"

/* Read everything; on error fill errbuf and return -1. */
int	 config_load(struct sf_config *, char *errbuf, size_t errlen);
void	 config_free(struct sf_config *);
/*
 * Open the journal for the writer (contrib/WRITES.md): O_WRONLY |
 * O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600, its directory
 * created 0700 if missing; the directory and the file must be owned by
 * the effective user and not writable by group or others, the file a
 * regular file with one link.  0 and *fd, or an errno (ECANCELED for
 * "none") with a sentence in why.
 */
int	 journal_open(const char *path, int *fd, char *why, size_t whylen);
/* -f FILE: NAME=value lines into the environment, which wins. */
#define CONF_FILE_MAX	65536	/* bytes in the file */
#define CONF_LINE_MAX	8192	/* bytes in one line, newline excluded */
int	 config_read_file(const char *path, char *errbuf, size_t errlen);
/* Before config_load(): the login command's redirect URI. */
void	 config_set_login(const char *redirect_uri);
/* A secret of bytes (guarded memory); -1 if too long. */
int	 secret_set(struct secret *, const char *bytes, size_t len);
/* Wipe the secret variables from this process's environment, in place. */
void	 config_wipe_environ(void);
/* Read a secret from VAR, VAR_FILE, VAR_COMMAND or systemd credentials. */
int	 secret_lookup(const char *var, struct secret *, int required,
	    char *errbuf, size_t errlen);
void	 secret_free(struct secret *);
/* SFDC_TOOLS into the children's configuration ("tools", "writer"). */
#define CONF_TOOLS_MAX		4096	/* bytes of SFDC_TOOLS */
#define CONF_TOOLS_COUNT	64	/* names in it */
#define CONF_TOOL_NAME_MAX	64
struct cJSON;
int	 config_tools(struct cJSON *, char *errbuf, size_t errlen);
extern const char *const config_write_tools[];
/* Names of the environment variables that hold secrets. */
extern const char *const config_secret_vars[];

#endif
