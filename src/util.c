/*
 * util.c: helpers shared by the commands.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <et/com_err.h>
#include <uuid/uuid.h>

#include "jbd2-format.h"
#include "jbd-err.h"
#include "jbdctl.h"
#include "change-open.h"
#include "util.h"

bool parse_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}

/*
 * With -j, did opening fail on the filesystem rather than on the journal?
 * Some answers are about the filesystem by their nature; otherwise the
 * filesystem is opened alone: if that fails too (a bad superblock, say),
 * the journal is not to blame.
 */
static bool image_at_fault(const char *image, errcode_t err)
{
	struct jbd_journal *j;
	errcode_t ierr;

	if (err == JBD_ET_NO_JOURNAL || err == JBD_ET_INTERNAL_JOURNAL)
		return true;
	ierr = jbd_open(image, NULL, 0, &j);
	if (!ierr) {
		jbd_close(j);
		return false;
	}
	return ierr != JBD_ET_EXTERNAL_NEEDED;
}

int report_journal_error(const struct jbd_journal *j)
{
	char uuid[37];

	if (j->journal_error == JBD_ET_EXTERNAL_NOT_FOUND) {
		uuid_unparse(j->fs->super->s_journal_uuid, uuid);
		com_err(program_name, j->journal_error, "while looking for "
			"journal UUID=%s of '%s'", uuid, j->image_path);
	} else if (j->found_by_devno) {
		/* e2fsck's second way: no device has the UUID */
		uuid_unparse(j->fs->super->s_journal_uuid, uuid);
		com_err(program_name, j->journal_error, "while opening "
			"journal '%s' (device number 0x%04x, as no device "
			"has UUID=%s) of '%s'", j->journal_path,
			j->fs->super->s_journal_dev, uuid, j->image_path);
	} else {
		com_err(program_name, j->journal_error, "while opening "
			"journal '%s' of '%s'", j->journal_path, j->image_path);
	}
	return jbd_exit_status(j->journal_error);
}

int open_journal_or_report(const char *image, const char *journal, int flags,
			   struct jbd_journal **ret)
{
	errcode_t err = jbd_open(image, journal, flags | JBD_OPEN_KEEP_FS, ret);
	int status;

	if (!err && (*ret)->journal_error && !(flags & JBD_OPEN_KEEP_FS)) {
		status = report_journal_error(*ret);
		jbd_close(*ret);
		*ret = NULL;
		return status;
	}
	if (!err)
		return 0;
	if (err == EBUSY && (flags & JBD_OPEN_RW))
		report_open_error(err, journal ? journal : image, true);
	else if (journal && !image_at_fault(image, err))
		com_err(program_name, err, "while opening journal '%s' of '%s'",
			journal, image);
	else
		com_err(program_name, err, "while opening '%s'", image);
	return jbd_exit_status(err);
}

int report_sb_error(const struct jbd_journal *j)
{
	com_err(program_name, j->sb_error,
		"while reading the journal superblock (journal block %u) of '%s'",
		j->sb_jblk, j->journal_path);
	return jbd_exit_status(j->sb_error);
}

static const char *checksum_type_name(uint8_t type)
{
	switch (type) {
	case JBD2_CRC32_CHKSUM:		return "crc32";
	case JBD2_MD5_CHKSUM:		return "md5";
	case JBD2_SHA1_CHKSUM:		return "sha1";
	case JBD2_CRC32C_CHKSUM:	return "crc32c";
	}
	return "unknown";
}

static void print_features(struct out *o, const struct jbd_sb *sb)
{
	const uint32_t words[3] = { sb->feature_compat, sb->feature_incompat,
				    sb->feature_ro_compat };
	char buf[32];
	unsigned int cls, bit;

	out_list_begin(o, "features", "Journal features:");
	for (cls = 0; cls < 3; cls++)
		for (bit = 0; bit < 32; bit++)
			if (words[cls] & (1U << bit))
				out_str(o, NULL, NULL,
					jbd_feature_name(cls, bit, buf, sizeof(buf)));
	out_list_end(o);
}

/* "Total journal size:" as dumpe2fs prints it. */
static void print_total_size(struct out *o, const struct jbd_sb *sb)
{
	uint64_t kib = (uint64_t)(sb->blocksize / 1024) * sb->maxlen;
	char buf[32];

	if (kib < 8192)
		snprintf(buf, sizeof(buf), "%uk", (unsigned int)kib);
	else
		snprintf(buf, sizeof(buf), "%uM", (unsigned int)(kib >> 10));
	out_u64(o, "size_kib", NULL, kib);
	out_str(o, NULL, "Total journal size:", buf);
}

/* One user per line in text, as dumpe2fs prints them. */
static void print_users(struct out *o, const struct jbd_sb *sb)
{
	unsigned int i;
	char buf[37];

	/* dumpe2fs lists users only when there is a real one. */
	bool show = sb->nr_users > 1 ||
		    (sb->nr_users == 1 && !uuid_is_null(sb->users[0]));

	out_list_begin(o, "users", NULL);
	for (i = 0; i < sb->nr_users && i < JBD2_USERS_MAX; i++) {
		out_uuid(o, NULL, NULL, sb->users[i]);
		uuid_unparse(sb->users[i], buf);
		if (show)
			out_text(o, "%-26s%s\n", i ? "" : "Journal users:", buf);
	}
	out_list_end(o);
}

/*
 * The fast-commit area as dumpe2fs -h counts it (e2p_list_journal_super):
 * when the filesystem (or journal device) has the fast_commit feature,
 * s_num_fc_blks or the default 256, whatever the journal's own feature
 * flag says (the kernel sets that flag only once it uses the area); with
 * no filesystem to ask (a bare journal file), the journal's flag.
 */
static uint32_t listed_fc_blocks(const struct jbd_journal *j)
{
	struct ext2_super_block *s = j->fs ? j->fs->super :
					   j->jdev ? j->jdev->super : NULL;

	if (!s)
		return jbd_sb_fc_blocks(&j->sb);
	if (!ext2fs_has_feature_fast_commit(s))
		return 0;
	return j->sb.num_fc_blks ? j->sb.num_fc_blks :
				   JBD2_DEFAULT_FAST_COMMIT_BLOCKS;
}

void print_superblock(struct out *o, const struct jbd_journal *j)
{
	uint32_t fc = listed_fc_blocks(j);
	const struct jbd_sb *sb = &j->sb;
	bool v2v3 = jbd_sb_has_csum_v2v3(sb);

	out_object_begin(o, "superblock");
	out_u64(o, "journal_block", NULL, j->sb_jblk);
	out_str(o, "block_type", "Journal superblock:",
		sb->blocktype == JBD2_SUPERBLOCK_V1 ? "v1" : "v2");
	print_features(o, sb);
	out_hex32(o, "feature_compat", NULL, sb->feature_compat);
	out_hex32(o, "feature_incompat", NULL, sb->feature_incompat);
	out_hex32(o, "feature_ro_compat", NULL, sb->feature_ro_compat);
	print_total_size(o, sb);
	out_u64(o, "maxlen", "Total journal blocks:", sb->maxlen);
	out_u64(o, "max_transaction_length", "Max transaction length:",
		fc < sb->maxlen ? sb->maxlen - fc : 0);
	out_u64(o, "fast_commit_length", "Fast commit length:", fc);
	out_u64(o, "num_fc_blocks", NULL, sb->num_fc_blks);
	out_u64(o, "blocksize", "Journal block size:", sb->blocksize);
	out_u64(o, "first", "Journal first block:", sb->first);
	out_u64(o, "sequence", NULL, sb->sequence);
	out_text(o, "%-26s0x%08x\n", "Journal sequence:", sb->sequence);
	out_u64(o, "start", "Journal start:", sb->start);
	out_u64(o, "head", "Journal head:", sb->head);
	out_i64(o, "errno", "Journal errno:", sb->errnum);
	out_uuid(o, "uuid", "Journal superblock UUID:", sb->uuid);
	out_u64(o, "nr_users", "Journal number of users:", sb->nr_users);
	print_users(o, sb);
	out_u64(o, "max_transaction", "Journal max transaction:",
		sb->max_transaction);
	out_u64(o, "max_trans_data", "Journal max trans data:",
		sb->max_trans_data);
	out_u64(o, "dynsuper", NULL, sb->dynsuper);
	if (jbd_sb_has_csum_v1(sb)) {
		out_str(o, "checksum_type", "Journal checksum type:", "crc32");
	} else if (v2v3) {
		out_str(o, "checksum_type", "Journal checksum type:",
			checksum_type_name(sb->checksum_type));
	} else {
		out_null(o, "checksum_type", NULL);
	}
	out_u64(o, "checksum_type_code", NULL, sb->checksum_type);
	if (v2v3)
		out_hex32(o, "checksum", "Journal checksum:", sb->checksum);
	else
		out_null(o, "checksum", NULL);
	out_verdict(o, "checksum_ok", v2v3 ? "Journal checksum status:" : NULL,
		    sb->checksum_verdict);
	out_object_end(o);
}

int check_mount(const char *path, bool allow_ro, bool force)
{
	int mflags = 0;
	errcode_t err = ext2fs_check_if_mounted(path, &mflags);

	if (err) {
		com_err(program_name, err, "while determining whether '%s' is "
			"mounted%s", path, force ? " (going on: --force)" : "");
		return force ? 0 : JBD_EXIT_ERROR;
	}
	if (!(mflags & EXT2_MF_MOUNTED))
		return 0;
	if (!(mflags & EXT2_MF_READONLY) || !allow_ro) {
		com_err(program_name, (mflags & EXT2_MF_READONLY) ?
			JBD_ET_MOUNTED : JBD_ET_MOUNTED_RW,
			"while opening '%s' for writing", path);
		return JBD_EXIT_ERROR;
	}
	return 0;	/* (replay says REBOOT if it writes: see is_mounted) */
}

bool is_mounted(const char *path)
{
	int mflags = 0;

	return !ext2fs_check_if_mounted(path, &mflags) &&
	       (mflags & EXT2_MF_MOUNTED);
}

bool mounted_read_only(const char *path)
{
	int mflags = 0;

	return !ext2fs_check_if_mounted(path, &mflags) &&
	       (mflags & EXT2_MF_MOUNTED) && (mflags & EXT2_MF_READONLY);
}

void report_open_error(errcode_t err, const char *path, bool writing)
{
	if (err == EBUSY && writing)
		com_err(program_name, err, "while opening '%s' for writing "
			"(mounted, or open in another program such as a second "
			"jbdctl or e2fsck)", path);
	else
		com_err(program_name, err, "while opening '%s'", path);
}

int open_change_or_report(const char *image, const char *undo, bool dry_run,
			  bool create, struct jbd_change *c)
{
	errcode_t err;

	if (undo && (err = jbd_set_undo_file(undo))) {
		com_err(program_name, err, "while opening undo file '%s'", undo);
		return JBD_EXIT_ERROR;
	}
	err = jbd_change_open(image, (undo ? JBD_CHANGE_UNDO : 0) |
			      (dry_run ? JBD_CHANGE_DRY : 0), c);
	if (!err)
		err = jbd_change_order(c, create);
	if (err) {
		report_open_error(err, image, !dry_run);
		jbd_change_abort(c);
		return JBD_EXIT_ERROR;
	}
	return 0;
}

int check_undo_file(const char *undo)
{
	struct stat st;
	char *dir, *slash;
	int ok;

	if (!undo)
		return 0;
	if (!*undo) {
		com_err(program_name, ENOENT, "while opening undo file ''");
		return JBD_EXIT_ERROR;
	}
	if (lstat(undo, &st) == 0) {
		/* An empty file (mktemp's, say) undoes nothing: it may be used. */
		if (S_ISREG(st.st_mode) && st.st_size == 0)
			return 0;
		com_err(program_name, JBD_ET_UNDO_EXISTS, "while opening undo "
			"file '%s' (it may undo an earlier change: move it away "
			"or name a new file)", undo);
		return JBD_EXIT_ERROR;
	}
	if (errno != ENOENT) {
		com_err(program_name, errno, "while opening undo file '%s'", undo);
		return JBD_EXIT_ERROR;
	}
	/* libext2fs's undo manager crashes on a directory it cannot use. */
	dir = strdup(undo);
	if (!dir) {
		com_err(program_name, ENOMEM, "while opening undo file '%s'", undo);
		return JBD_EXIT_ERROR;
	}
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	ok = stat(dir, &st) == 0;
	if (ok && !S_ISDIR(st.st_mode))
		errno = ENOTDIR, ok = 0;
	if (ok && access(dir, W_OK | X_OK))
		ok = 0;
	free(dir);
	if (!ok) {
		com_err(program_name, errno, "while opening undo file '%s'", undo);
		return JBD_EXIT_ERROR;
	}
	return 0;
}

void print_undo_hint(const char *undo, const char *image)
{
	if (undo)
		printf("This can be undone using the command:\n"
		       "    e2undo %s %s\n", undo, image);
}
