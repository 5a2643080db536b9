#ifndef CCODECS_INTERNAL_H
#define CCODECS_INTERNAL_H

/* Shared between common.c (files, format sniffing, dispatch, bookkeeping) and the per-format
 * files png.c, jpeg.c and tiff.c. Not part of the public header. */

#include "ccodecs.h"
#include <stdio.h>

struct cc_decoder {
    FILE *file;
    cc_header header;
    uint8_t *icc; /* malloc'd copy of the ICC profile, or NULL */
    size_t icc_size;
    uint8_t *exif; /* malloc'd copy of the EXIF block (JPEG APP1 after "Exif\0\0"), or NULL */
    size_t exif_size;
    void *impl;   /* png_state, jpeg_decoder or tiff_decoder */
    uint32_t rows_read;
    int failed;
};

struct cc_encoder {
    FILE *file;
    int to_memory;
    char *memory; /* open_memstream's buffer, valid after fclose */
    size_t memory_size;
    cc_encode_options options; /* icc_profile and exif are not kept past open */
    void *impl;
    uint32_t rows_written;
    int failed;
    int finished;
};

/* Fill `status`; returns -1 so that callers can `return cc_fail(...)`. */
int cc_fail(cc_status *status, int code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Per-format entry points. Each returns 0 or -1 with `status` set; each *_free is safe on a
 * half-built state. */
int cc_png_decoder_open(cc_decoder *decoder, cc_status *status);
int cc_png_decoder_read_rows(cc_decoder *decoder, uint8_t *buffer, size_t row_bytes,
                             uint32_t rows, cc_status *status);
int cc_png_decoder_finish(cc_decoder *decoder, cc_status *status);
void cc_png_decoder_free(cc_decoder *decoder);

int cc_jpeg_decoder_open(cc_decoder *decoder, cc_status *status);
int cc_jpeg_decoder_read_rows(cc_decoder *decoder, uint8_t *buffer, size_t row_bytes,
                              uint32_t rows, cc_status *status);
int cc_jpeg_decoder_finish(cc_decoder *decoder, cc_status *status);
void cc_jpeg_decoder_free(cc_decoder *decoder);

int cc_tiff_decoder_open(cc_decoder *decoder, cc_status *status);
int cc_tiff_decoder_read_rows(cc_decoder *decoder, uint8_t *buffer, size_t row_bytes,
                              uint32_t rows, cc_status *status);
int cc_tiff_decoder_finish(cc_decoder *decoder, cc_status *status);
void cc_tiff_decoder_free(cc_decoder *decoder);

int cc_png_encoder_open(cc_encoder *encoder, const cc_encode_options *options, cc_status *status);
int cc_png_encoder_write_rows(cc_encoder *encoder, const uint8_t *buffer, size_t row_bytes,
                              uint32_t rows, cc_status *status);
int cc_png_encoder_finish(cc_encoder *encoder, cc_status *status);
void cc_png_encoder_free(cc_encoder *encoder);

int cc_jpeg_encoder_open(cc_encoder *encoder, const cc_encode_options *options, cc_status *status);
int cc_jpeg_encoder_write_rows(cc_encoder *encoder, const uint8_t *buffer, size_t row_bytes,
                               uint32_t rows, cc_status *status);
int cc_jpeg_encoder_finish(cc_encoder *encoder, cc_status *status);
void cc_jpeg_encoder_free(cc_encoder *encoder);

int cc_tiff_encoder_open(cc_encoder *encoder, const cc_encode_options *options, cc_status *status);
int cc_tiff_encoder_write_rows(cc_encoder *encoder, const uint8_t *buffer, size_t row_bytes,
                               uint32_t rows, cc_status *status);
int cc_tiff_encoder_finish(cc_encoder *encoder, cc_status *status);
void cc_tiff_encoder_free(cc_encoder *encoder);

#endif
