/*
 * fstab.h: the filesystems replay -A takes from an fstab, as fsck takes them.
 */
#ifndef JBD_FSTAB_H
#define JBD_FSTAB_H

/*
 * Call fn(device, arg) for every fstab entry with a pass number, without
 * noauto, whose type is ext2, ext3 or ext4 (or "auto" and libblkid finds
 * one of those on the device); UUID=, LABEL=, PARTUUID= and PARTLABEL=
 * are resolved with libblkid.  An entry that cannot be resolved or probed
 * gets one line on stderr and JBD_EXIT_ERROR (unless it has nofail and
 * the device does not exist, as fsck skips it); the others still run.
 * Returns the statuses OR-ed.
 */
int fstab_each(const char *path, int (*fn)(const char *device, void *arg),
	       void *arg);

#endif
