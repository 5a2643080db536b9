/* Files and memory buffers, dispatch to the format's codec (formats.c's table), and the row
 * bookkeeping that keeps callers from driving the libraries into states they would abort on. */

#include "codec.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

/* After a codec call failed: the decoder or encoder is good for nothing but free from now on
 * (the libraries' states after an error are not to be driven further). */
static int broken(int *failed) {
    *failed = 1;
    return -1;
}

/* The format's own state (`size` bytes, zeroed) for its *_open to fill. */
static int new_state(void **impl, size_t size, cc_status *status) {
    *impl = calloc(1, size);
    return *impl ? 0 : cc_fail(status, CC_ERR_NO_MEMORY, "out of memory");
}

/* ---- decoding ---- */

static cc_decoder *open_decoder(FILE *file, cc_status *status) {
    cc_decoder *decoder = calloc(1, sizeof *decoder);
    if (!decoder) {
        fclose(file);
        cc_fail(status, CC_ERR_NO_MEMORY, "out of memory");
        return NULL;
    }
    decoder->file = file;
    const cc_codec *codec = NULL;
    int result = cc_sniff(file, &codec, status);
    if (result == 0) {
        decoder->codec = codec;
        decoder->header.format = codec->info.format;
        status->format = codec->info.format;
        result = new_state(&decoder->impl, codec->decoder_state_size, status);
    }
    if (result == 0)
        result = decoder->codec->decoder_open(decoder, status);
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
    const cc_format_info *info = &decoder->codec->info;
    if (decoder->failed)
        return cc_fail(status, CC_ERR_USAGE, "decoder used after a failure");
    if (h->color == CC_COLOR_CMYK)
        return cc_fail(status, CC_ERR_UNSUPPORTED, "CMYK %s is not supported", info->name);
    size_t samples = (size_t)h->out_channels + (h->out_has_alpha ? 1 : 0);
    if (row_bytes < (size_t)h->width * samples * (size_t)h->out_sample_bytes)
        return cc_fail(status, CC_ERR_USAGE, "row buffer too small");
    if (rows > h->height - decoder->rows_read)
        return cc_fail(status, CC_ERR_USAGE, "more rows requested than the image has");
    if (info->interlaced_in_one_call && h->interlaced && (decoder->rows_read != 0 || rows != h->height))
        return cc_fail(status, CC_ERR_USAGE, "an interlaced %s is read in one call", info->name);
    if (decoder->codec->decoder_read_rows(decoder, buffer, row_bytes, rows, status) != 0)
        return broken(&decoder->failed);
    decoder->rows_read += rows;
    cc_ok(status);
    return 0;
}

int cc_decoder_finish(cc_decoder *decoder, cc_status *status) {
    if (decoder->failed)
        return cc_fail(status, CC_ERR_USAGE, "decoder used after a failure");
    if (decoder->rows_read != decoder->header.height)
        return cc_fail(status, CC_ERR_USAGE, "finish before all rows were read");
    if (decoder->codec->decoder_finish(decoder, status) != 0)
        return broken(&decoder->failed);
    cc_ok(status);
    return 0;
}

void cc_decoder_free(cc_decoder *decoder) {
    if (!decoder)
        return;
    if (decoder->impl) {
        decoder->codec->decoder_free(decoder);
        free(decoder->impl);
    }
    if (decoder->file)
        fclose(decoder->file);
    free(decoder->icc);
    free(decoder->exif);
    free(decoder);
}

/* ---- encoding ---- */

/* "8 or 16": the depths in `depths` (CC_DEPTH bits). */
static void depth_list(uint64_t depths, char *into, size_t size) {
    int count = 0, written = 0;
    for (int bits = 1; bits < 64; bits++)
        count += (depths & CC_DEPTH(bits)) != 0;
    size_t used = 0;
    into[0] = 0;
    for (int bits = 1; bits < 64 && used < size; bits++) {
        if (!(depths & CC_DEPTH(bits)))
            continue;
        const char *separator = written == 0 ? "" : written == count - 1 ? " or " : ", ";
        int n = snprintf(into + used, size - used, "%s%d", separator, bits);
        used += n > 0 ? (size_t)n : 0;
        written++;
    }
}

/* The options against what the format's encoder takes (its row of the table). */
static int check_options(const cc_encode_options *o, cc_status *status) {
    if (o->width == 0 || o->height == 0)
        return cc_fail(status, CC_ERR_USAGE, "empty image (%ux%u)", o->width, o->height);
    if (o->channels != 1 && o->channels != 3)
        return cc_fail(status, CC_ERR_USAGE, "%d colour channels (1 or 3 expected)", o->channels);
    const cc_codec *codec = cc_codec_of(o->format);
    if (!codec)
        return cc_fail(status, CC_ERR_USAGE, "unknown format %d", o->format);
    const cc_format_info *info = &codec->info;
    int depth_ok = o->bit_depth > 0 && o->bit_depth < 64 && (info->write_depths & CC_DEPTH(o->bit_depth));
    char depths[64];
    depth_list(info->write_depths, depths, sizeof depths);
    if (!info->writes_alpha && (!depth_ok || o->has_alpha))
        return cc_fail(status, CC_ERR_USAGE, "%s holds %s-bit samples without alpha", info->name, depths);
    if (!depth_ok)
        return cc_fail(status, CC_ERR_USAGE, "%s bit depth %d (%s expected)", info->name, o->bit_depth,
                       depths);
    if (info->takes_quality && (o->quality < 1 || o->quality > 100))
        return cc_fail(status, CC_ERR_USAGE, "%s quality %d (1...100 expected)", info->name, o->quality);
    return 0;
}

static cc_encoder *open_encoder(cc_encoder *encoder, const cc_encode_options *options,
                                cc_status *status) {
    encoder->options = *options;
    encoder->options.icc_profile = NULL;
    encoder->options.icc_profile_size = 0;
    encoder->options.exif = NULL;
    encoder->options.exif_size = 0;
    encoder->codec = cc_codec_of(options->format); /* check_options found it */
    int result = new_state(&encoder->impl, encoder->codec->encoder_state_size, status);
    if (result == 0)
        result = encoder->codec->encoder_open(encoder, options, status);
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
    if (encoder->codec->encoder_write_rows(encoder, buffer, row_bytes, rows, status) != 0)
        return broken(&encoder->failed);
    encoder->rows_written += rows;
    cc_ok(status);
    return 0;
}

int cc_encoder_finish(cc_encoder *encoder, cc_status *status) {
    if (encoder->failed || encoder->finished)
        return cc_fail(status, CC_ERR_USAGE, "encoder used after a failure or after finish");
    if (encoder->rows_written != encoder->options.height)
        return cc_fail(status, CC_ERR_USAGE, "finish before all rows were written");
    if (encoder->codec->encoder_finish(encoder, status) != 0)
        return broken(&encoder->failed);
    /* Close here, not in free: a full disk often shows only when the last buffer is flushed. */
    FILE *file = encoder->file;
    encoder->file = NULL;
    if (fflush(file) != 0 || ferror(file)) {
        int saved = errno ? errno : EIO;
        fclose(file);
        cc_fail_errno(status, CC_ERR_IO, saved);
        return broken(&encoder->failed);
    }
    if (fclose(file) != 0) {
        cc_fail_errno(status, CC_ERR_IO, errno);
        return broken(&encoder->failed);
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
    if (encoder->impl) {
        encoder->codec->encoder_free(encoder);
        free(encoder->impl);
    }
    if (encoder->file)
        fclose(encoder->file);
    free(encoder->memory);
    free(encoder);
}
