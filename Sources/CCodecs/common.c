/* Files and memory buffers, format sniffing, dispatch to png.c / jpeg.c / tiff.c, and the row
 * bookkeeping that keeps callers from driving the libraries into states they would abort on. */

#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cc_fail(cc_status *status, int code, const char *format, ...) {
    status->code = code;
    status->sys_errno = 0;
    va_list args;
    va_start(args, format);
    vsnprintf(status->message, sizeof status->message, format, args);
    va_end(args);
    return -1;
}

/* cc_fail for a failed system call: also records its errno. */
static int cc_fail_errno(cc_status *status, int code, int err) {
    cc_fail(status, code, "%s", strerror(err));
    status->sys_errno = err;
    return -1;
}

static void cc_ok(cc_status *status) {
    status->code = CC_OK;
    status->sys_errno = 0;
    status->format = 0;
    status->message[0] = 0;
}

/* ---- decoding ---- */

static const uint8_t png_signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};

/* TIFF's byte-order mark and magic number: classic (42) and BigTIFF (43), each either way round. */
static const uint8_t tiff_headers[4][4] = {
    {'I', 'I', 42, 0}, {'M', 'M', 0, 42}, {'I', 'I', 43, 0}, {'M', 'M', 0, 43}};

/* Decide the format from the first bytes (never the file name), then rewind. */
static int sniff(FILE *file, int *format, cc_status *status) {
    uint8_t head[8];
    size_t n = fread(head, 1, sizeof head, file);
    if (n < sizeof head && ferror(file))
        return cc_fail(status, CC_ERR_IO, "%s", strerror(errno));
    if (n == 0)
        return cc_fail(status, CC_ERR_EMPTY, "empty file");
    int tiff = 0, tiff_prefix = 0;
    for (int i = 0; i < 4; i++) {
        tiff |= n >= 4 && memcmp(head, tiff_headers[i], 4) == 0;
        tiff_prefix |= n >= 2 && n < 4 && memcmp(head, tiff_headers[i], n) == 0;
    }
    if (n >= 2 && head[0] == 0xFF && head[1] == 0xD8) {
        *format = CC_FORMAT_JPEG;
    } else if (n == sizeof head && memcmp(head, png_signature, 8) == 0) {
        *format = CC_FORMAT_PNG;
    } else if (tiff) {
        *format = CC_FORMAT_TIFF;
    } else if (n < sizeof head && memcmp(head, png_signature, n) == 0) {
        status->format = CC_FORMAT_PNG;
        return cc_fail(status, CC_ERR_TRUNCATED_SIGNATURE, "file ends inside the PNG signature");
    } else if (tiff_prefix) {
        status->format = CC_FORMAT_TIFF;
        return cc_fail(status, CC_ERR_TRUNCATED_SIGNATURE, "file ends inside the TIFF header");
    } else {
        return cc_fail(status, CC_ERR_NOT_IMAGE, "not a PNG, JPEG or TIFF file");
    }
    if (fseek(file, 0, SEEK_SET) != 0)
        return cc_fail(status, CC_ERR_IO, "cannot rewind: %s", strerror(errno));
    return 0;
}

static cc_decoder *open_decoder(FILE *file, cc_status *status) {
    cc_decoder *decoder = calloc(1, sizeof *decoder);
    if (!decoder) {
        fclose(file);
        cc_fail(status, CC_ERR_NO_MEMORY, "out of memory");
        return NULL;
    }
    decoder->file = file;
    int format = 0;
    int result = sniff(file, &format, status);
    if (result == 0) {
        decoder->header.format = format;
        status->format = format;
        result = format == CC_FORMAT_PNG    ? cc_png_decoder_open(decoder, status)
                 : format == CC_FORMAT_JPEG ? cc_jpeg_decoder_open(decoder, status)
                                            : cc_tiff_decoder_open(decoder, status);
    }
    if (result != 0) {
        cc_decoder_free(decoder);
        return NULL;
    }
    cc_ok(status);
    return decoder;
}

cc_decoder *cc_decoder_open_file(const char *path, cc_status *status) {
    FILE *file = fopen(path, "rbe"); /* e: close-on-exec */
    if (!file) {
        cc_fail_errno(status, CC_ERR_OPEN, errno);
        return NULL;
    }
    return open_decoder(file, status);
}

cc_decoder *cc_decoder_open_fd(int fd, cc_status *status) {
    /* A descriptor of our own (closed by fclose), read from the start whatever the caller read. */
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
        cc_fail(status, CC_ERR_OPEN, "%s", strerror(errno));
        return NULL;
    }
    if (lseek(copy, 0, SEEK_SET) < 0) {
        int saved = errno;
        close(copy);
        cc_fail(status, CC_ERR_IO, "cannot rewind: %s", strerror(saved));
        return NULL;
    }
    FILE *file = fdopen(copy, "rb");
    if (!file) {
        int saved = errno;
        close(copy);
        cc_fail(status, CC_ERR_OPEN, "%s", strerror(saved));
        return NULL;
    }
    return open_decoder(file, status);
}

cc_decoder *cc_decoder_open_memory(const void *data, size_t size, cc_status *status) {
    if (size == 0) {
        cc_fail(status, CC_ERR_EMPTY, "empty input");
        return NULL;
    }
    /* A read-only FILE over the caller's bytes: the same code path as files. */
    FILE *file = fmemopen((void *)data, size, "rb");
    if (!file) {
        cc_fail(status, CC_ERR_IO, "fmemopen: %s", strerror(errno));
        return NULL;
    }
    return open_decoder(file, status);
}

const cc_header *cc_decoder_header(const cc_decoder *decoder) { return &decoder->header; }

const uint8_t *cc_decoder_icc_profile(const cc_decoder *decoder, size_t *size) {
    *size = decoder->icc_size;
    return decoder->icc;
}

const uint8_t *cc_decoder_exif(const cc_decoder *decoder, size_t *size) {
    *size = decoder->exif_size;
    return decoder->exif;
}

int cc_decoder_read_rows(cc_decoder *decoder, void *buffer, size_t row_bytes, uint32_t rows,
                         cc_status *status) {
    const cc_header *h = &decoder->header;
    if (decoder->failed)
        return cc_fail(status, CC_ERR_USAGE, "decoder used after a failure");
    if (h->color == CC_COLOR_CMYK)
        return cc_fail(status, CC_ERR_UNSUPPORTED, "CMYK JPEG is not supported");
    size_t samples = (size_t)h->out_channels + (h->out_has_alpha ? 1 : 0);
    if (row_bytes < (size_t)h->width * samples * (size_t)h->out_sample_bytes)
        return cc_fail(status, CC_ERR_USAGE, "row buffer too small");
    if (rows > h->height - decoder->rows_read)
        return cc_fail(status, CC_ERR_USAGE, "more rows requested than the image has");
    if (h->format == CC_FORMAT_PNG && h->interlaced && (decoder->rows_read != 0 || rows != h->height))
        return cc_fail(status, CC_ERR_USAGE, "an interlaced PNG is read in one call");
    int result = h->format == CC_FORMAT_PNG
                     ? cc_png_decoder_read_rows(decoder, buffer, row_bytes, rows, status)
                 : h->format == CC_FORMAT_JPEG
                     ? cc_jpeg_decoder_read_rows(decoder, buffer, row_bytes, rows, status)
                     : cc_tiff_decoder_read_rows(decoder, buffer, row_bytes, rows, status);
    if (result != 0) {
        decoder->failed = 1;
        return -1;
    }
    decoder->rows_read += rows;
    cc_ok(status);
    return 0;
}

int cc_decoder_finish(cc_decoder *decoder, cc_status *status) {
    if (decoder->failed)
        return cc_fail(status, CC_ERR_USAGE, "decoder used after a failure");
    if (decoder->rows_read != decoder->header.height)
        return cc_fail(status, CC_ERR_USAGE, "finish before all rows were read");
    int format = decoder->header.format;
    int result = format == CC_FORMAT_PNG    ? cc_png_decoder_finish(decoder, status)
                 : format == CC_FORMAT_JPEG ? cc_jpeg_decoder_finish(decoder, status)
                                            : cc_tiff_decoder_finish(decoder, status);
    if (result != 0) {
        decoder->failed = 1;
        return -1;
    }
    cc_ok(status);
    return 0;
}

void cc_decoder_free(cc_decoder *decoder) {
    if (!decoder)
        return;
    if (decoder->header.format == CC_FORMAT_PNG)
        cc_png_decoder_free(decoder);
    else if (decoder->header.format == CC_FORMAT_JPEG)
        cc_jpeg_decoder_free(decoder);
    else if (decoder->header.format == CC_FORMAT_TIFF)
        cc_tiff_decoder_free(decoder);
    if (decoder->file)
        fclose(decoder->file);
    free(decoder->icc);
    free(decoder->exif);
    free(decoder);
}

/* ---- encoding ---- */

static int check_options(const cc_encode_options *o, cc_status *status) {
    if (o->width == 0 || o->height == 0)
        return cc_fail(status, CC_ERR_USAGE, "empty image (%ux%u)", o->width, o->height);
    if (o->channels != 1 && o->channels != 3)
        return cc_fail(status, CC_ERR_USAGE, "%d colour channels (1 or 3 expected)", o->channels);
    if (o->format == CC_FORMAT_PNG || o->format == CC_FORMAT_TIFF) {
        if (o->bit_depth != 8 && o->bit_depth != 16)
            return cc_fail(status, CC_ERR_USAGE, "%s bit depth %d (8 or 16 expected)",
                           o->format == CC_FORMAT_PNG ? "PNG" : "TIFF", o->bit_depth);
    } else if (o->format == CC_FORMAT_JPEG) {
        if (o->bit_depth != 8 || o->has_alpha)
            return cc_fail(status, CC_ERR_USAGE, "JPEG holds 8-bit samples without alpha");
        if (o->quality < 1 || o->quality > 100)
            return cc_fail(status, CC_ERR_USAGE, "JPEG quality %d (1...100 expected)", o->quality);
    } else {
        return cc_fail(status, CC_ERR_USAGE, "unknown format %d", o->format);
    }
    return 0;
}

static cc_encoder *open_encoder(cc_encoder *encoder, const cc_encode_options *options,
                                cc_status *status) {
    encoder->options = *options;
    encoder->options.icc_profile = NULL;
    encoder->options.icc_profile_size = 0;
    encoder->options.exif = NULL;
    encoder->options.exif_size = 0;
    int result = options->format == CC_FORMAT_PNG
                     ? cc_png_encoder_open(encoder, options, status)
                 : options->format == CC_FORMAT_JPEG
                     ? cc_jpeg_encoder_open(encoder, options, status)
                     : cc_tiff_encoder_open(encoder, options, status);
    if (result != 0) {
        cc_encoder_free(encoder);
        return NULL;
    }
    cc_ok(status);
    return encoder;
}

cc_encoder *cc_encoder_open_file(const char *path, const cc_encode_options *options,
                                 cc_status *status) {
    if (check_options(options, status) != 0)
        return NULL;
    cc_encoder *encoder = calloc(1, sizeof *encoder);
    if (!encoder) {
        cc_fail(status, CC_ERR_NO_MEMORY, "out of memory");
        return NULL;
    }
    encoder->file = fopen(path, "wbe");
    if (!encoder->file) {
        cc_fail_errno(status, CC_ERR_OPEN, errno);
        free(encoder);
        return NULL;
    }
    return open_encoder(encoder, options, status);
}

cc_encoder *cc_encoder_open_memory(const cc_encode_options *options, cc_status *status) {
    if (check_options(options, status) != 0)
        return NULL;
    cc_encoder *encoder = calloc(1, sizeof *encoder);
    if (!encoder) {
        cc_fail(status, CC_ERR_NO_MEMORY, "out of memory");
        return NULL;
    }
    encoder->to_memory = 1;
    encoder->file = open_memstream(&encoder->memory, &encoder->memory_size);
    if (!encoder->file) {
        cc_fail(status, CC_ERR_NO_MEMORY, "open_memstream: %s", strerror(errno));
        free(encoder);
        return NULL;
    }
    return open_encoder(encoder, options, status);
}

int cc_encoder_write_rows(cc_encoder *encoder, const void *buffer, size_t row_bytes,
                          uint32_t rows, cc_status *status) {
    const cc_encode_options *o = &encoder->options;
    if (encoder->failed || encoder->finished)
        return cc_fail(status, CC_ERR_USAGE, "encoder used after a failure or after finish");
    size_t samples = (size_t)o->channels + (o->has_alpha ? 1 : 0);
    if (row_bytes < (size_t)o->width * samples * (size_t)(o->bit_depth / 8))
        return cc_fail(status, CC_ERR_USAGE, "row buffer too small");
    if (rows > o->height - encoder->rows_written)
        return cc_fail(status, CC_ERR_USAGE, "more rows written than the image has");
    int result = o->format == CC_FORMAT_PNG
                     ? cc_png_encoder_write_rows(encoder, buffer, row_bytes, rows, status)
                 : o->format == CC_FORMAT_JPEG
                     ? cc_jpeg_encoder_write_rows(encoder, buffer, row_bytes, rows, status)
                     : cc_tiff_encoder_write_rows(encoder, buffer, row_bytes, rows, status);
    if (result != 0) {
        encoder->failed = 1;
        return -1;
    }
    encoder->rows_written += rows;
    cc_ok(status);
    return 0;
}

int cc_encoder_finish(cc_encoder *encoder, cc_status *status) {
    if (encoder->failed || encoder->finished)
        return cc_fail(status, CC_ERR_USAGE, "encoder used after a failure or after finish");
    if (encoder->rows_written != encoder->options.height)
        return cc_fail(status, CC_ERR_USAGE, "finish before all rows were written");
    int format = encoder->options.format;
    int result = format == CC_FORMAT_PNG    ? cc_png_encoder_finish(encoder, status)
                 : format == CC_FORMAT_JPEG ? cc_jpeg_encoder_finish(encoder, status)
                                            : cc_tiff_encoder_finish(encoder, status);
    if (result != 0) {
        encoder->failed = 1;
        return -1;
    }
    /* Close here, not in free: a full disk often shows only when the last buffer is flushed. */
    FILE *file = encoder->file;
    encoder->file = NULL;
    if (fflush(file) != 0 || ferror(file)) {
        int saved = errno ? errno : EIO;
        fclose(file);
        encoder->failed = 1;
        return cc_fail_errno(status, CC_ERR_IO, saved);
    }
    if (fclose(file) != 0) {
        encoder->failed = 1;
        return cc_fail_errno(status, CC_ERR_IO, errno);
    }
    encoder->finished = 1;
    cc_ok(status);
    return 0;
}

const uint8_t *cc_encoder_memory(const cc_encoder *encoder, size_t *size) {
    if (!encoder->to_memory || !encoder->finished) {
        *size = 0;
        return NULL;
    }
    *size = encoder->memory_size;
    return (const uint8_t *)encoder->memory;
}

void cc_encoder_free(cc_encoder *encoder) {
    if (!encoder)
        return;
    if (encoder->options.format == CC_FORMAT_PNG)
        cc_png_encoder_free(encoder);
    else if (encoder->options.format == CC_FORMAT_JPEG)
        cc_jpeg_encoder_free(encoder);
    else if (encoder->options.format == CC_FORMAT_TIFF)
        cc_tiff_encoder_free(encoder);
    if (encoder->file)
        fclose(encoder->file);
    free(encoder->memory);
    free(encoder);
}
