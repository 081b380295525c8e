/*
 * extjournal.c: find a filesystem's external journal by its UUID.
 *
 * e2fsck (e2fsck_get_journal) asks libblkid for the device whose UUID is
 * the superblock's s_journal_uuid and, failing that, for the device whose
 * number is s_journal_dev (a number that means nothing after a reboot
 * that renumbered the disks, hence second).  The device found is opened
 * and its UUID checked against s_journal_uuid like one given with -j.
 */
#include <stdlib.h>
#include <blkid/blkid.h>
#include <uuid/uuid.h>

#include "extjournal.h"
#include "jbd-err.h"

errcode_t jbd_find_external(const struct ext2_super_block *es, char **ret_path,
			    bool *ret_by_devno)
{
	char uuid[37], *path = NULL;

	if (!uuid_is_null(es->s_journal_uuid)) {
		uuid_unparse(es->s_journal_uuid, uuid);
		path = blkid_evaluate_tag("UUID", uuid, NULL);
	}
	*ret_by_devno = false;
	if (!path && es->s_journal_dev) {
		path = blkid_devno_to_devname(es->s_journal_dev);
		*ret_by_devno = path != NULL;
	}
	if (!path)
		return JBD_ET_EXTERNAL_NOT_FOUND;
	*ret_path = path;
	return 0;
}
