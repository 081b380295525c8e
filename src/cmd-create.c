/*
 * cmd-create.c: jbdctl create: add an internal journal as tune2fs -j does.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <et/com_err.h>

#include "jbd-err.h"
#include "jbdctl.h"
#include "mkjournal.h"
#include "change-open.h"
#include "util.h"

const char *const cmd_create_usage[] = {
	"create [-n] [-s <MiB>] [--fast-commit-size <KiB>] [-l <location>] "
	"[-j <journal>] [-z <file>] [--journal-device [-b <blocksize>]] <image>",
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
	"-z, --undo <file>\tsave the overwritten blocks for e2undo(8)",
	NULL
};

struct create_opts {
	bool dry_run, journal_device;
	const char *journal, *blocksize, *undo;
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
		{ "undo", required_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 }
	};
	int opt;

	while ((opt = getopt_long(argc, argv, ":b:hj:l:ns:z:", longopts, NULL)) != -1) {
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
		case 'z':
			o->undo = optarg;
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
	if (o->journal_device &&
	    (o->journal || o->size || o->fc_size || o->location || o->undo))
		return cmd_usage_error(cmd, "--journal-device takes only -b and -n");
	if (o->dry_run && o->undo)
		return cmd_usage_error(cmd, "-z writes; it cannot go with -n");
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
	status = check_mount(o->image, false, false);
	if (status)
		return status;
	if (o->dry_run) {
		printf("%s: would format it as an external journal device with "
		       "%u-byte blocks\n", o->image, (unsigned int)bs);
		return JBD_EXIT_OK;
	}
	err = jbd_mkjournal_device(o->image, (unsigned int)bs, &blocks);
	if (err == EBUSY) {
		report_open_error(err, o->image, true);
		return JBD_EXIT_ERROR;
	}
	if (err) {
		com_err(program_name, err, "while formatting '%s' as a journal "
			"device", o->image);
		return JBD_EXIT_ERROR;
	}
	printf("%s: formatted as an external journal device of %llu blocks\n",
	       o->image, (unsigned long long)blocks);
	return JBD_EXIT_CHANGED;
}

/* -j: attach an external journal; the caller writes and closes fs. */
static int attach_device(const struct create_opts *o, ext2_filsys fs)
{
	struct stat st;
	ext2_filsys jdev;
	errcode_t err;
	int status;

	if ((status = check_mount(o->journal, false, false)))
		return status;
	err = ext2fs_open2(o->journal, NULL, EXT2_FLAG_JOURNAL_DEV_OK |
			   EXT2_FLAG_64BITS | (o->dry_run ? 0 : EXT2_FLAG_RW |
			   EXT2_FLAG_EXCLUSIVE), 0, 0, unix_io_manager, &jdev);
	if (err) {
		report_open_error(err, o->journal, !o->dry_run);
		return JBD_EXIT_ERROR;
	}
	err = stat(o->journal, &st);
	if (!err && o->dry_run) {
		if (ext2fs_has_feature_journal(fs->super))
			err = JBD_ET_HAS_JOURNAL;
		else if (!ext2fs_has_feature_journal_dev(jdev->super))
			err = JBD_ET_NOT_JOURNAL_DEV;
		else if (jdev->blocksize != fs->blocksize)
			err = JBD_ET_BAD_BLOCKSIZE;
	} else if (!err) {
		/* The journal's user list first: a cut before the fs is
		 * written leaves a user that a re-run finds there. */
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

/* Where the journal is: the first block and, if -l asked elsewhere, that. */
static void print_where(const struct create_opts *o, const struct jbd_mkjournal *mk)
{
	printf(" at block %llu", (unsigned long long)mk->first_blk);
	if (mk->goal != ~0ULL && mk->goal != mk->first_blk)
		printf(" (-l %s asked for block %llu: %s)", o->location,
		       (unsigned long long)mk->goal,
		       mk->goal >= mk->fs_blocks ? "past the end" : "not free");
}

/*
 * Inode 8 in use while the superblock has no journal: a create cut after
 * writing the journal inode (see POWER CUTS in jbdctl(8)).  Finish it.
 */
static int finish_interrupted(const struct create_opts *o, ext2_filsys fs,
			      struct jbd_mkjournal *mk, bool sb_torn)
{
	errcode_t err = jbd_mkjournal_adopt(fs, mk, sb_torn);

	if (err) {
		com_err(program_name, err, "while creating the journal of '%s' "
			"(inode %u is not free: 'jbdctl remove' clears it)",
			o->image, EXT2_JOURNAL_INO);
		return JBD_EXIT_ERROR;
	}
	printf("%s: %s an interrupted create: the journal of %llu blocks "
	       "in inode %u at block %llu\n", o->image,
	       o->dry_run ? "would finish" : "finishing",
	       (unsigned long long)mk->nblocks, EXT2_JOURNAL_INO,
	       (unsigned long long)mk->first_blk);
	return 0;
}

static int create_internal(const struct create_opts *o,
			   const struct jbd_cmd *cmd, struct jbd_change *c)
{
	struct jbd_mkjournal mk = { 0 };
	struct ext2_inode inode;
	ext2_filsys fs = c->fs;
	errcode_t err;
	int status;

	status = read_location(o, cmd, fs, &mk);
	if (status)
		return status;
	mk.fs_blocks = ext2fs_blocks_count(fs->super);
	err = ext2fs_read_inode(fs, EXT2_JOURNAL_INO, &inode);
	if (!err && (!ext2fs_has_feature_journal(fs->super) || c->sb_torn) &&
	    jbd_inode_in_use(&inode))
		return finish_interrupted(o, fs, &mk, c->sb_torn);
	if (!err && c->sb_torn) {	/* torn, but not by a cut create */
		report_open_error(EXT2_ET_SB_CSUM_INVALID, o->image, !o->dry_run);
		return JBD_EXIT_ERROR;
	}
	if (!err && c->bitmap_csum_bad)
		err = EXT2_ET_BLOCK_BITMAP_CSUM_INVALID;
	if (!err)
		err = jbd_mkjournal_plan(fs, &mk);
	if (err) {
		com_err(program_name, err, "while sizing a journal for '%s'",
			o->image);
		return JBD_EXIT_ERROR;
	}
	err = jbd_mkjournal_internal(fs, &mk);
	if (err) {
		com_err(program_name, err, "while trying to create the journal "
			"of '%s'", o->image);
		return JBD_EXIT_ERROR;
	}
	printf("%s: %s a journal of %u blocks", o->image,
	       o->dry_run ? "would create" : "creating",
	       mk.params.num_journal_blocks);
	if (mk.params.num_fc_blocks)
		printf(" and %u fast-commit blocks", mk.params.num_fc_blocks);
	print_where(o, &mk);
	printf(" (inode %u)\n", EXT2_JOURNAL_INO);
	return 0;
}

int cmd_create(const struct jbd_cmd *cmd, int argc, char **argv)
{
	struct create_opts o = { 0 };
	struct jbd_change c;
	errcode_t err;
	int status;

	status = parse_options(&o, cmd, argc, argv);
	if (status)
		return status < 0 ? JBD_EXIT_OK : status;
	if (o.journal_device)
		return format_device(&o, cmd);
	if ((status = check_undo_file(o.undo)))
		return status;
	if ((status = check_mount(o.image, false, false)))
		return status;
	if ((status = open_change_or_report(o.image, o.undo, o.dry_run, true,
					    &c)))
		return status;
	/* A torn superblock is finished only for a cut internal create. */
	if (c.sb_torn && o.journal) {
		report_open_error(EXT2_ET_SB_CSUM_INVALID, o.image, !o.dry_run);
		jbd_change_abort(&c);
		return JBD_EXIT_ERROR;
	}
	if (o.journal) {
		status = attach_device(&o, c.fs);
		if (!status && o.dry_run)
			printf("%s: would attach the external journal '%s'\n",
			       o.image, o.journal);
	} else {
		status = create_internal(&o, cmd, &c);
	}
	if (status || o.dry_run) {
		jbd_change_abort(&c);
		return status;
	}
	err = jbd_change_close(&c);
	if (err) {
		com_err(program_name, err, "while writing '%s'", o.image);
		return JBD_EXIT_ERROR;
	}
	if (o.journal)
		printf("%s: attached the external journal '%s'\n", o.image,
		       o.journal);
	print_undo_hint(o.undo, o.image);
	return JBD_EXIT_CHANGED;
}
