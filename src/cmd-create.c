/*
 * cmd-create.c: jbdctl create: add an internal journal as tune2fs -j does.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <et/com_err.h>

#include "jbdctl.h"
#include "mkjournal.h"
#include "util.h"

const char *const cmd_create_usage[] = {
	"create [-n] [-s <MiB>] [--fast-commit-size <KiB>] [-l <location>] <image>",
	"add an internal journal, as tune2fs -j does",
	"-l, --location <location>\twhere to put it: a block, or a byte offset "
	"with K, M, G or T",
	"-n, --dry-run\tsay what would be done; write nothing",
	"-s, --size <MiB>\tjournal size (default: tune2fs's for the fs size)",
	"    --fast-commit-size <KiB>\tfast-commit area, with the fast_commit "
	"feature",
	NULL
};

struct create_opts {
	bool dry_run;
	const char *size, *fc_size, *location;
	uint64_t size_mib, fc_size_kib;
	const char *image;
};

static int parse_options(struct create_opts *o, const struct jbd_cmd *cmd,
			 int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "fast-commit-size", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "location", required_argument, NULL, 'l' },
		{ "size", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "hl:ns:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'F':
			o->fc_size = optarg;
			break;
		case 'h':
			cmd_print_usage(cmd);
			return -1;
		case 'l':
			o->location = optarg;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 's':
			o->size = optarg;
			break;
		default:
			return cmd_usage_error(cmd, "bad option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(cmd, "expected one image");
	if (o->size && (!parse_u64(o->size, &o->size_mib) || !o->size_mib))
		return cmd_usage_error(cmd, "bad journal size '%s'", o->size);
	if (o->fc_size &&
	    (!parse_u64(o->fc_size, &o->fc_size_kib) || !o->fc_size_kib))
		return cmd_usage_error(cmd, "bad fast-commit size '%s'", o->fc_size);
	o->image = argv[optind];
	return 0;
}

/* The location from the command line, in the filesystem's blocks. */
static int read_location(const struct create_opts *o, const struct jbd_cmd *cmd,
		      ext2_filsys fs, struct jbd_mkjournal *mk)
{
	mk->goal = ~0ULL;
	mk->size_mib = o->size_mib;
	mk->fc_size_kib = o->fc_size_kib;
	if (o->location &&
	    jbd_parse_blocks(o->location, fs->super->s_log_block_size, &mk->goal))
		return cmd_usage_error(cmd, "bad location '%s'", o->location);
	return 0;
}

int cmd_create(const struct jbd_cmd *cmd, int argc, char **argv)
{
	struct create_opts o = { 0 };
	struct jbd_mkjournal mk = { 0 };
	ext2_filsys fs;
	errcode_t err;
	int status;

	status = parse_options(&o, cmd, argc, argv);
	if (status)
		return status < 0 ? JBD_EXIT_OK : status;
	if (!o.dry_run && (status = check_mount(o.image, false, false)))
		return status;
	err = ext2fs_open2(o.image, NULL, EXT2_FLAG_64BITS |
			   (o.dry_run ? 0 : EXT2_FLAG_RW), 0, 0,
			   unix_io_manager, &fs);
	if (err) {
		com_err(program_name, err, "while opening '%s'", o.image);
		return JBD_EXIT_ERROR;
	}
	status = read_location(&o, cmd, fs, &mk);
	if (status)
		goto out;
	err = jbd_mkjournal_plan(fs, &mk);
	if (err) {
		com_err(program_name, err, "while sizing a journal for '%s'",
			o.image);
		status = JBD_EXIT_ERROR;
		goto out;
	}
	printf("%s: %s journal of %u blocks", o.image,
	       o.dry_run ? "would create a" : "creating a",
	       mk.params.num_journal_blocks);
	if (mk.params.num_fc_blocks)
		printf(" and %u fast-commit blocks", mk.params.num_fc_blocks);
	if (mk.goal != ~0ULL)
		printf(" at block %llu", (unsigned long long)mk.goal);
	printf(" (inode %u)\n", EXT2_JOURNAL_INO);
	if (o.dry_run)
		goto out;
	err = jbd_mkjournal_internal(fs, &mk);
	if (!err) {
		err = ext2fs_close_free(&fs);
		fs = NULL;
	}
	if (err) {
		com_err(program_name, err, "while trying to create the journal "
			"of '%s'", o.image);
		status = JBD_EXIT_ERROR;
		goto out;
	}
	status = JBD_EXIT_CHANGED;
out:
	if (fs)
		ext2fs_close_free(&fs);
	return status;
}
