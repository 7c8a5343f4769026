/* Internals of the device SDK that its tests and fuzz target reach; not installed. */
#ifndef FIELDGUARD_DEVICE_INTERNAL_H
#define FIELDGUARD_DEVICE_INTERNAL_H

#include "fieldguard_device.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parses one answer line without its newline ("FGID/1 OK <device> <lease_s>" or
   "FGID/1 REFUSED <reason>"): FGD_OK, FGD_ERR_REFUSED (reason filled) or FGD_ERR_PROTOCOL. */
int fgd_parse_answer(const char *line, fgd_lease *lease);

#ifdef __cplusplus
}
#endif

#endif
