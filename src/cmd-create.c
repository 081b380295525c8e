/*
 * cmd-create.c: jbdctl create: add an internal journal as tune2fs -j does.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <et/com_err.h>

#include "jbdctl.h"
#include "mkjournal.h"
#include "util.h"

const char *const cmd_create_usage[] = {
	"create [-n] [-s <MiB>] [--fast-commit-size <KiB>] [-l <location>] "
	"[-j <journal>] [--journal-device [-b <blocksize>]] <image>",
	"add a journal (as tune2fs -j, -J device=) or make a journal device",
	"-b, --block-size <bytes>\twith --journal-device: its block size "
	"(default 4096)",
	"-j, --journal <path>\tattach this external journal device or file",
	"    --journal-device\tformat <image> as an external journal device, "
	"as mke2fs -O journal_dev does",
	"-l, --location <location>\twhere to put it: a block, or a byte offset "
	"with K, M, G or T",
	"-n, --dry-run\tsay what would be done; write nothing",
	"-s, --size <MiB>\tjournal size (default: tune2fs's for the fs size)",
	"    --fast-commit-size <KiB>\tfast-commit area, with the fast_commit "
	"feature",
	NULL
};

struct create_opts {
	bool dry_run, journal_device;
	const char *journal, *blocksize;
	const char *size, *fc_size, *location;
	uint64_t size_mib, fc_size_kib;
	const char *image;
};

static int parse_options(struct create_opts *o, const struct jbd_cmd *cmd,
			 int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "block-size", required_argument, NULL, 'b' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "fast-commit-size", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "journal", required_argument, NULL, 'j' },
		{ "journal-device", no_argument, NULL, 'D' },
		{ "location", required_argument, NULL, 'l' },
		{ "size", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, ":b:hj:l:ns:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			o->blocksize = optarg;
			break;
		case 'D':
			o->journal_device = true;
			break;
		case 'j':
			o->journal = optarg;
			break;
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
			return cmd_bad_option(cmd, opt, argv);
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error(cmd, "expected one image");
	if (o->size && (!parse_u64(o->size, &o->size_mib) || !o->size_mib))
		return cmd_usage_error(cmd, "bad journal size '%s'", o->size);
	if (o->fc_size &&
	    (!parse_u64(o->fc_size, &o->fc_size_kib) || !o->fc_size_kib))
		return cmd_usage_error(cmd, "bad fast-commit size '%s'", o->fc_size);
	if (o->journal_device && (o->journal || o->size || o->fc_size || o->location))
		return cmd_usage_error(cmd, "--journal-device takes only -b and -n");
	if (o->blocksize && !o->journal_device)
		return cmd_usage_error(cmd, "-b goes with --journal-device");
	if (o->journal && (o->size || o->fc_size || o->location))
		return cmd_usage_error(cmd, "-j attaches an existing journal: "
				       "no -s, --fast-commit-size or -l");
	o->image = argv[optind];
	return 0;
}

static int format_device(const struct create_opts *o, const struct jbd_cmd *cmd)
{
	uint64_t bs = 4096;
	blk64_t blocks = 0;
	errcode_t err;
	int status;

	if (o->blocksize && !parse_u64(o->blocksize, &bs))
		return cmd_usage_error(cmd, "bad block size '%s'", o->blocksize);
	if (o->dry_run) {
		printf("%s: would format it as an external journal device with "
		       "%u-byte blocks\n", o->image, (unsigned int)bs);
		return JBD_EXIT_OK;
	}
	status = check_mount(o->image, false, false);
	if (status)
		return status;
	err = jbd_mkjournal_device(o->image, (unsigned int)bs, &blocks);
	if (err) {
		com_err(program_name, err, "while formatting '%s' as a journal "
			"device", o->image);
		return JBD_EXIT_ERROR;
	}
	printf("%s: formatted as an external journal device of %llu blocks\n",
	       o->image, (unsigned long long)blocks);
	return JBD_EXIT_CHANGED;
}

static int attach_device(const struct create_opts *o, ext2_filsys fs)
{
	struct stat st;
	ext2_filsys jdev;
	errcode_t err;
	int status;

	if (!o->dry_run && (status = check_mount(o->journal, false, false)))
		return status;
	err = ext2fs_open2(o->journal, NULL, EXT2_FLAG_JOURNAL_DEV_OK |
			   EXT2_FLAG_64BITS | (o->dry_run ? 0 : EXT2_FLAG_RW),
			   0, 0, unix_io_manager, &jdev);
	if (err) {
		com_err(program_name, err, "while opening journal '%s'", o->journal);
		return JBD_EXIT_ERROR;
	}
	err = stat(o->journal, &st);
	if (!err && o->dry_run) {
		printf("%s: would attach the external journal '%s'\n", o->image,
		       o->journal);
	} else if (!err) {
		err = jbd_attach_external(fs, jdev, S_ISBLK(st.st_mode) ?
					  st.st_rdev : 0);
	}
	if (!err)
		err = ext2fs_close_free(&jdev);
	if (err) {
		com_err(program_name, err, "while attaching journal '%s' to '%s'",
			o->journal, o->image);
		if (jdev)
			ext2fs_close_free(&jdev);
		return JBD_EXIT_ERROR;
	}
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
	if (o.journal_device)
		return format_device(&o, cmd);
	if (!o.dry_run && (status = check_mount(o.image, false, false)))
		return status;
	err = ext2fs_open2(o.image, NULL, EXT2_FLAG_64BITS |
			   (o.dry_run ? 0 : EXT2_FLAG_RW), 0, 0,
			   unix_io_manager, &fs);
	if (err) {
		com_err(program_name, err, "while opening '%s'", o.image);
		return JBD_EXIT_ERROR;
	}
	if (o.journal) {
		status = attach_device(&o, fs);
		if (!status && !o.dry_run) {
			err = ext2fs_close_free(&fs);
			if (err) {
				com_err(program_name, err, "while writing '%s'",
					o.image);
				return JBD_EXIT_ERROR;
			}
			printf("%s: attached the external journal '%s'\n",
			       o.image, o.journal);
			return JBD_EXIT_CHANGED;
		}
		goto out;
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
