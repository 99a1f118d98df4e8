/*
 * writer-main.c: the executable sfrevops-mcp-writer, the writer process (see
 * writer.c).  Installed in $(pkglibexecdir) and started by the parent
 * (main.c) only, through a descriptor, with its channels on 3, 4 and 5.
 */
#include "config.h"

#include "sfrevops.h"

int
main(int argc, char *argv[])
{
	proc_init(argc, argv, PROC_WRITER);
	return writer_main();
}
