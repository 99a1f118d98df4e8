/*
 * cli.h: the parent's subcommands.  call and check run the same tree of
 * processes as serving; the parent is then the MCP client of its own
 * front, at the other end of a socketpair that is the front's stdin and
 * stdout (main.c), and this module speaks to it:
 *
 *	initialize, notifications/initialized, then
 *	call:	tools/list (for the tool's inputSchema), tools/call
 *	check:	sfrevops/check, a request the front knows only when its
 *		CONFIG says "mode":"check" (an MCP client never can)
 *	audit-report: tools/call of query, page by page (cli_audit.c)
 *
 * Exit status: 0 success, 1 a tool error or a failed check, 2 a usage
 * or configuration error.
 */
#ifndef CLI_H
#define CLI_H

enum cli_mode {
	CLI_SERVE = 0,
	CLI_CALL,
	CLI_CHECK,
	CLI_LOGIN,
	CLI_AUDIT
};

/* The command's arguments after its name; exits 2 on a usage error. */
void	 cli_call_args(int argc, char *argv[]);
void	 cli_check_args(int argc, char *argv[]);

/* The tree is up: send initialize on fd. */
void	 cli_begin(enum cli_mode, int fd);
/* fd is readable: 1 when the exchange is over (close fd then). */
int	 cli_input(int fd);
/* The exit status, once the tree has stopped; clean: it stopped well. */
int	 cli_status(int clean);

/* cli_check.c: the report of the front's answer (result of
 * sfrevops/check, consumed), with the parent's own checks; its status. */
struct cJSON;
int	 cli_check_report(struct cJSON *result);
void	 cli_check_set_json(int);

/* cli_call.c's wire, for cli_audit.c: a request, and sending one. */
struct cJSON *cli_request(int id, const char *method);
void	 cli_send(int fd, struct cJSON *);

/* cli_audit.c: sfrevops-mcp audit-report (its comment says how). */
void	 cli_audit_args(int argc, char *argv[]);
/* Before any child: the journal read; -1 (said why) on an error. */
int	 cli_audit_load(const char *config_json, const char *journal);
/* After initialize: the first query. */
void	 cli_audit_begin(int fd);
/* An answer: -1 to go on, else the exit status (the report printed). */
int	 cli_audit_answer(int fd, const struct cJSON *m);

/* cli_login.c: sfrevops-mcp login (its comment says how). */
struct sf_config;
struct buf;
void	 cli_login_args(int argc, char *argv[]);
const char *cli_login_redirect(void);
int	 cli_login_sandbox(void);
/* Before any child: the callback awaited; the code and verifier in c. */
void	 cli_login_authorize(struct sf_config *c);
/* The broker's answers (main.c's handlers of the login rows). */
void	 cli_login_token(struct buf *);
void	 cli_login_identity(struct buf *);
void	 cli_login_error(struct buf *);
int	 cli_login_done(void);
int	 cli_login_status(void);

#endif /* CLI_H */
