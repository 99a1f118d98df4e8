/*
 * export-main.c: the executable sfrevops-mcp-export, the exporter process
 * (see export.c).  Installed in $(pkglibexecdir) and started by the
 * parent (main.c) only, and only when SFDC_OTLP_ENDPOINT is set, through
 * a descriptor, with its one channel on 3.
 */
#include "config.h"

#include "sfrevops.h"

int
main(int argc, char *argv[])
{
	proc_init(argc, argv, PROC_EXPORT);
	return export_main();
}
