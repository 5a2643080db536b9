#ifndef CSYSTEMD_H
#define CSYSTEMD_H
#include <systemd/sd-journal.h>
#include <systemd/sd-daemon.h>
#endif
