#ifndef CCODECS_CODEC_H
#define CCODECS_CODEC_H

/* What a format implements (png.c, jpeg.c, tiff.c: one cc_codec each), and the decoder and
 * encoder state they share with the dispatch in common.c. The table of formats is in formats.c.
 * Not part of the public header. */

#include "ccodecs.h"
#include "status.h"
#include <stdio.h>

struct cc_decoder {
    FILE *file;
    const struct cc_codec *codec; /* set once the first bytes are recognised */
    cc_header header;
    uint8_t *icc; /* malloc'd copy of the ICC profile, or NULL */
    size_t icc_size;
    uint8_t *exif; /* malloc'd copy of the EXIF block (JPEG APP1 after "Exif\0\0"), or NULL */
    size_t exif_size;
    void *impl;   /* the format's own state */
    uint32_t rows_read;
    int failed;
};

struct cc_encoder {
    FILE *file;
    const struct cc_codec *codec;
    int to_memory;
    char *memory; /* open_memstream's buffer, valid after fclose */
    size_t memory_size;
    cc_encode_options options; /* icc_profile and exif are not kept past open */
    void *impl;
    uint32_t rows_written;
    int failed;
    int finished;
};

/* One format: its row of the table (name, signatures, what its encoder takes) and its calls.
 * Each call returns 0 or -1 with `status` set. The dispatch has checked the caller's arguments
 * (row counts, buffer sizes, encode options against `info`) before any call; a call that fails is
 * never followed by another but *_free. */
typedef struct cc_codec {
    cc_format_info info;

    /* The size of the format's own state (decoder->impl, encoder->impl). The dispatch allocates
     * it, zeroed, before *_open, and frees it after *_free, which releases only what the state
     * holds (library handles, buffers) and is safe on a half-built state. */
    size_t decoder_state_size;
    size_t encoder_state_size;

    /* Read the header (and ICC profile, EXIF) from decoder->file, positioned at its start, into
     * decoder->header and decoder->icc/exif. */
    int (*decoder_open)(cc_decoder *decoder, cc_status *status);
    int (*decoder_read_rows)(cc_decoder *decoder, uint8_t *buffer, size_t row_bytes,
                             uint32_t rows, cc_status *status);
    /* Read past the pixels to the end of the file, so that a cut file is an error. */
    int (*decoder_finish)(cc_decoder *decoder, cc_status *status);
    void (*decoder_free)(cc_decoder *decoder);

    /* Write the header to encoder->file; `options` holds the ICC profile and EXIF pointers,
     * which encoder->options no longer does. */
    int (*encoder_open)(cc_encoder *encoder, const cc_encode_options *options, cc_status *status);
    int (*encoder_write_rows)(cc_encoder *encoder, const uint8_t *buffer, size_t row_bytes,
                              uint32_t rows, cc_status *status);
    /* Write the trailer; the dispatch then flushes and closes the file. */
    int (*encoder_finish)(cc_encoder *encoder, cc_status *status);
    void (*encoder_free)(cc_encoder *encoder);
} cc_codec;

/* The format's codec, or NULL for a value that names none. */
const cc_codec *cc_codec_of(int format);

/* Decide the format from the file's first bytes (never its name), then rewind. */
int cc_sniff(FILE *file, const cc_codec **codec, cc_status *status);

#endif
