/*
 * fstab.c: replay -A's list of filesystems.  The lines are read with
 * getmntent(3), as fsck reads them (comments, \040-style escapes, missing
 * fields); device names are resolved with libblkid, the library e2fsck
 * and util-linux's fsck use (it builds on GNU/Hurd, libmount does not).
 */
#include <errno.h>
#include <mntent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <blkid/blkid.h>
#include <et/com_err.h>

#include "fstab.h"
#include "jbd-err.h"
#include "jbdctl.h"

/* The tags fsck resolves; anything else is a path. */
static bool is_tag(const char *spec, char **token, char **value)
{
	static const char *const tags[] = { "UUID", "LABEL", "PARTUUID",
					    "PARTLABEL", NULL };
	size_t i;

	if (!strchr(spec, '=') || blkid_parse_tag_string(spec, token, value))
		return false;
	for (i = 0; tags[i]; i++)
		if (!strcmp(*token, tags[i]))
			return true;
	free(*token);
	free(*value);
	return false;
}

/* Is one of the comma-separated types an ext2/3/4 one (or "auto")? */
static bool type_listed(const char *types, const char *want)
{
	size_t n = strlen(want);
	const char *p;

	for (p = types; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, want, n) && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

static bool is_ext_type(const char *types)
{
	return type_listed(types, "ext2") || type_listed(types, "ext3") ||
	       type_listed(types, "ext4");
}

/*
 * The filesystem type libblkid finds on device: 0 with *ext set, or
 * errno (the device cannot be opened or read).
 */
static int probe_ext(const char *device, bool *ext)
{
	blkid_probe pr = blkid_new_probe_from_filename(device);
	const char *type = NULL;
	int rc;

	*ext = false;
	if (!pr)
		return errno ? errno : EIO;
	blkid_probe_enable_superblocks(pr, 1);
	rc = blkid_do_safeprobe(pr);
	if (rc == 0 && !blkid_probe_lookup_value(pr, "TYPE", &type, NULL))
		*ext = is_ext_type(type);
	blkid_free_probe(pr);
	return rc < 0 ? EIO : 0;
}

/* Does the entry's device (a path) exist?  For nofail. */
static bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/*
 * One entry: resolve it, check its type; run fn on it or say in one line
 * why it cannot be checked.
 */
static int do_entry(const char *path, const struct mntent *m, blkid_cache *cache,
		    int (*fn)(const char *device, void *arg), void *arg)
{
	bool nofail = hasmntopt(m, "nofail") != NULL;
	char *token = NULL, *value = NULL, *device;
	bool ext = true;
	int status, err;

	if (is_tag(m->mnt_fsname, &token, &value)) {
		device = blkid_evaluate_tag(token, value, cache);
		free(token);
		free(value);
		if (!device) {
			if (nofail)
				return JBD_EXIT_OK;
			com_err(program_name, JBD_ET_NO_SUCH_TAG,
				"while looking up '%s' of '%s'", m->mnt_fsname,
				path);
			return JBD_EXIT_ERROR;
		}
	} else {
		if (nofail && !path_exists(m->mnt_fsname))
			return JBD_EXIT_OK;
		device = strdup(m->mnt_fsname);
		if (!device) {
			com_err(program_name, ENOMEM, "while reading '%s'", path);
			return JBD_EXIT_ERROR;
		}
	}
	if (!is_ext_type(m->mnt_type)) {	/* "auto" */
		err = probe_ext(device, &ext);
		if (err) {
			com_err(program_name, err, "while probing the type of "
				"'%s' (fstab entry '%s' of '%s')", device,
				m->mnt_fsname, path);
			free(device);
			return JBD_EXIT_ERROR;
		}
	}
	status = ext ? fn(device, arg) : JBD_EXIT_OK;
	free(device);
	return status;
}

int fstab_each(const char *path, int (*fn)(const char *device, void *arg),
	       void *arg)
{
	blkid_cache cache = NULL;
	struct mntent *m;
	int status = 0, found = 0;
	FILE *f = setmntent(path, "r");

	if (!f) {
		com_err(program_name, errno, "while opening '%s'", path);
		return JBD_EXIT_ERROR;
	}
	if (blkid_get_cache(&cache, NULL) < 0)
		cache = NULL;	/* libblkid then makes one for each look-up */
	while ((m = getmntent(f))) {
		if (m->mnt_passno <= 0 || hasmntopt(m, "noauto"))
			continue;
		if (!is_ext_type(m->mnt_type) && !type_listed(m->mnt_type, "auto"))
			continue;
		status |= do_entry(path, m, cache ? &cache : NULL, fn, arg);
		found++;
	}
	endmntent(f);
	if (cache)
		blkid_put_cache(cache);
	if (!found)
		printf("%s: no ext2/ext3/ext4 filesystem to check\n", path);
	return status;
}
