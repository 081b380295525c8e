/*
 * extjournal.h: find a filesystem's external journal without -j.
 */
#ifndef JBD_EXTJOURNAL_H
#define JBD_EXTJOURNAL_H

#include <stdbool.h>
#include <ext2fs/ext2fs.h>

/*
 * The device holding the external journal of the filesystem whose
 * superblock is es, found as e2fsck finds it: the device libblkid knows
 * with UUID s_journal_uuid, else the one with device number s_journal_dev.
 * *ret_path is malloc'ed; *ret_by_devno says it came from s_journal_dev.
 * JBD_ET_EXTERNAL_NOT_FOUND when neither exists.
 */
errcode_t jbd_find_external(const struct ext2_super_block *es, char **ret_path,
			    bool *ret_by_devno);

#endif
