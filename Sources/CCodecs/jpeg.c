/* JPEG through libjpeg(-turbo). libjpeg reports errors through error_exit, which must not return:
 * ours longjmps back to the entry function that set the jump point. Its warnings go through
 * emit_message, which by default prints to stderr; ours is silent, except that warnings saying
 * the image data is missing or damaged are promoted to errors (see is_fatal_warning). */

#include "codec.h"
#include <errno.h>

#include <jpeglib.h> /* first: jerror.h's list depends on jconfig.h's feature macros */
#include <jerror.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* What opens an APP1 segment that holds EXIF (XMP and others also use APP1). */
static const char exif_id[6] = {'E', 'x', 'i', 'f', 0, 0};

typedef struct {
    struct jpeg_error_mgr pub; /* first, so a j_common_ptr's err can be cast to this */
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} error_manager;

static void on_error_exit(j_common_ptr cinfo) {
    error_manager *err = (error_manager *)cinfo->err;
    err->pub.format_message(cinfo, err->message);
    longjmp(err->jump, 1);
}

/* libjpeg treats running out of data as a warning: it pads with a fake EOI marker and the rest of
 * the image decodes as flat gray. We want a truncated or damaged scan to be an error, so these
 * warnings are. Warnings about metadata (a bad JFIF version, bytes between markers, a bad ICC
 * marker) stay warnings: the pixels are intact. */
static int is_fatal_warning(int code) {
    switch (code) {
    case JWRN_JPEG_EOF:          /* Premature end of JPEG file */
    case JWRN_HIT_MARKER:        /* premature end of data segment */
    case JWRN_HUFF_BAD_CODE:     /* bad Huffman code */
#if JPEG_LIB_VERSION >= 70 || defined(C_ARITH_CODING_SUPPORTED) || defined(D_ARITH_CODING_SUPPORTED)
    case JWRN_ARITH_BAD_CODE: /* bad arithmetic code (the enum has it only in these builds) */
#endif
    case JWRN_MUST_RESYNC:       /* found marker instead of RSTn */
    case JWRN_NOT_SEQUENTIAL:    /* invalid SOS parameters */
    case JWRN_BOGUS_PROGRESSION: /* inconsistent progression sequence */
        return 1;
    default:
        return 0;
    }
}

static void on_emit_message(j_common_ptr cinfo, int level) {
    error_manager *err = (error_manager *)cinfo->err;
    if (level >= 0)
        return; /* trace messages */
    err->pub.num_warnings++;
    if (is_fatal_warning(err->pub.msg_code)) {
        err->pub.format_message(cinfo, err->message);
        longjmp(err->jump, 1);
    }
}

/* What a cinfo's err points to (as jpeg_std_error's result does). */
static struct jpeg_error_mgr *init_error_manager(error_manager *err) {
    jpeg_std_error(&err->pub);
    err->pub.error_exit = on_error_exit;
    err->pub.emit_message = on_emit_message;
    return &err->pub;
}

static int fail_from_jpeg(error_manager *err, cc_status *status) {
    switch (err->pub.msg_code) {
    case JERR_OUT_OF_MEMORY:
        return cc_fail(status, CC_ERR_NO_MEMORY, "%s", err->message);
    case JERR_BAD_PRECISION:      /* 12-bit JPEG: this libjpeg build decodes 8-bit only */
    case JERR_SOF_UNSUPPORTED:    /* lossless and other rare processes */
    case JERR_NOT_COMPILED:
        return cc_fail(status, CC_ERR_UNSUPPORTED, "%s", err->message);
    case JERR_FILE_READ:
    case JERR_FILE_WRITE: {
        int saved = errno ? errno : EIO; /* stdio's, when libjpeg found ferror() set */
        cc_fail(status, CC_ERR_IO, "%s: %s", err->message, strerror(saved));
        status->sys_errno = saved;
        return -1;
    }
    default:
        return cc_fail(status, CC_ERR_CORRUPT, "%s", err->message);
    }
}

/* ---- decoding ---- */

typedef struct {
    struct jpeg_decompress_struct cinfo;
    error_manager err;
    int started; /* jpeg_start_decompress done */
} jpeg_decoder;

static int cc_jpeg_decoder_open(cc_decoder *decoder, cc_status *status) {
    jpeg_decoder *state = decoder->impl;
    state->cinfo.err = init_error_manager(&state->err);
    if (setjmp(state->err.jump))
        return fail_from_jpeg(&state->err, status);

    jpeg_create_decompress(&state->cinfo);
    jpeg_stdio_src(&state->cinfo, decoder->file);
    jpeg_save_markers(&state->cinfo, JPEG_APP0 + 2, 0xFFFF); /* ICC profile chunks */
    jpeg_save_markers(&state->cinfo, JPEG_APP0 + 1, 0xFFFF); /* EXIF (and XMP, not kept) */
    jpeg_read_header(&state->cinfo, TRUE); /* markers up to the first scan, no pixels */

    struct jpeg_decompress_struct *c = &state->cinfo;
    cc_header *h = &decoder->header;
    h->width = c->image_width;
    h->height = c->image_height;
    h->bit_depth = c->data_precision;
    h->interlaced = c->progressive_mode != 0;
    h->out_sample_bytes = 1;
    h->out_has_alpha = 0;
    switch (c->jpeg_color_space) {
    case JCS_GRAYSCALE:
        h->color = CC_COLOR_GRAY;
        h->out_channels = 1;
        c->out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        h->color = CC_COLOR_RGB;
        h->out_channels = 3;
        c->out_color_space = JCS_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        h->color = CC_COLOR_CMYK; /* reported in the header; cc_decoder_read_rows refuses it */
        h->out_channels = 0;
        break;
    default:
        return cc_fail(status, CC_ERR_UNSUPPORTED, "JPEG with %d colour components is not supported",
                       c->num_components);
    }

    JOCTET *profile = NULL;
    unsigned int profile_size = 0;
    if (jpeg_read_icc_profile(c, &profile, &profile_size) && profile) {
        decoder->icc = profile; /* malloc'd by libjpeg-turbo; freed with the decoder */
        decoder->icc_size = profile_size;
    }
    /* EXIF is kept so that the output carries the camera's orientation and settings: without
     * it a portrait photo stored sideways with an orientation tag would come out sideways. */
    for (jpeg_saved_marker_ptr m = c->marker_list; m; m = m->next) {
        if (m->marker != JPEG_APP0 + 1 || m->data_length <= 6 || memcmp(m->data, exif_id, 6) != 0)
            continue;
        decoder->exif = malloc(m->data_length - 6);
        if (decoder->exif) {
            memcpy(decoder->exif, m->data + 6, m->data_length - 6);
            decoder->exif_size = m->data_length - 6;
        }
        break;
    }
    return 0;
}

static int cc_jpeg_decoder_read_rows(cc_decoder *decoder, uint8_t *buffer, size_t row_bytes,
                                     uint32_t rows, cc_status *status) {
    jpeg_decoder *state = decoder->impl;
    struct jpeg_decompress_struct *c = &state->cinfo;
    if (setjmp(state->err.jump))
        return fail_from_jpeg(&state->err, status);
    if (!state->started) {
        /* Deferred to here, after the caller checked the size. A progressive file is read whole
         * here, into libjpeg's coefficient buffers. */
        jpeg_start_decompress(c);
        state->started = 1;
        if (c->output_components != decoder->header.out_channels ||
            c->output_width != decoder->header.width || c->output_height != decoder->header.height)
            return cc_fail(status, CC_ERR_CORRUPT, "unexpected JPEG output layout");
    }
    uint32_t done = 0;
    while (done < rows) {
        JSAMPROW pointers[16];
        uint32_t batch = rows - done < 16 ? rows - done : 16;
        for (uint32_t i = 0; i < batch; i++)
            pointers[i] = buffer + (size_t)(done + i) * row_bytes;
        JDIMENSION got = jpeg_read_scanlines(c, pointers, batch);
        if (got == 0) /* only a suspending data source does this; ours never suspends */
            return cc_fail(status, CC_ERR_CORRUPT, "no scanlines returned");
        done += got;
    }
    return 0;
}

static int cc_jpeg_decoder_finish(cc_decoder *decoder, cc_status *status) {
    jpeg_decoder *state = decoder->impl;
    if (setjmp(state->err.jump))
        return fail_from_jpeg(&state->err, status);
    jpeg_finish_decompress(&state->cinfo); /* reads up to EOI: a missing end is an error */
    return 0;
}

static void cc_jpeg_decoder_free(cc_decoder *decoder) {
    jpeg_decoder *state = decoder->impl;
    jpeg_destroy_decompress(&state->cinfo); /* safe on a half-created struct (mem == NULL) */
}

/* ---- encoding ---- */

typedef struct {
    struct jpeg_compress_struct cinfo;
    error_manager err;
} jpeg_encoder;

static int cc_jpeg_encoder_open(cc_encoder *encoder, const cc_encode_options *o, cc_status *status) {
    jpeg_encoder *state = encoder->impl;
    state->cinfo.err = init_error_manager(&state->err);
    if (setjmp(state->err.jump))
        return fail_from_jpeg(&state->err, status);

    struct jpeg_compress_struct *c = &state->cinfo;
    jpeg_create_compress(c);
    jpeg_stdio_dest(c, encoder->file);
    c->image_width = o->width;
    c->image_height = o->height;
    c->input_components = o->channels;
    c->in_color_space = o->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(c);
    jpeg_set_quality(c, o->quality, TRUE);
    /* At high quality keep full-resolution chroma (4:4:4): a denoised photo should not lose
     * colour detail to 4:2:0, libjpeg's default, which stays below 90. */
    if (o->channels == 3 && o->quality >= 90)
        for (int i = 0; i < c->num_components; i++)
            c->comp_info[i].h_samp_factor = c->comp_info[i].v_samp_factor = 1;
    /* Optimal Huffman tables make smaller files with the same pixels, but need a second pass
     * over the whole image's DCT coefficients, which libjpeg then holds: 2 bytes per sample and
     * component (300 MB for a 50-megapixel photo at 4:4:4). Above 64 MB of them, the standard
     * tables, for a few per cent more bytes. */
    size_t coefficient_bytes = (size_t)o->width * o->height * (size_t)c->num_components * 2;
    c->optimize_coding = coefficient_bytes <= ((size_t)64 << 20);
    jpeg_start_compress(c, TRUE);
    /* APP1 holds at most 65533 bytes: the 6-byte identifier and the EXIF block. */
    if (o->exif && o->exif_size > 0 && o->exif_size <= 65533 - 6) {
        jpeg_write_m_header(c, JPEG_APP0 + 1, (unsigned int)(o->exif_size + 6));
        for (int i = 0; i < 6; i++)
            jpeg_write_m_byte(c, exif_id[i]);
        for (size_t i = 0; i < o->exif_size; i++)
            jpeg_write_m_byte(c, o->exif[i]);
    }
    if (o->icc_profile && o->icc_profile_size > 0 && o->icc_profile_size <= 0xffffffffu)
        jpeg_write_icc_profile(c, o->icc_profile, (unsigned int)o->icc_profile_size);
    return 0;
}

static int cc_jpeg_encoder_write_rows(cc_encoder *encoder, const uint8_t *buffer, size_t row_bytes,
                                      uint32_t rows, cc_status *status) {
    jpeg_encoder *state = encoder->impl;
    if (setjmp(state->err.jump))
        return fail_from_jpeg(&state->err, status);
    uint32_t done = 0;
    while (done < rows) {
        JSAMPROW pointers[16];
        uint32_t batch = rows - done < 16 ? rows - done : 16;
        for (uint32_t i = 0; i < batch; i++)
            pointers[i] = (JSAMPROW)(buffer + (size_t)(done + i) * row_bytes);
        done += jpeg_write_scanlines(&state->cinfo, pointers, batch);
    }
    return 0;
}

static int cc_jpeg_encoder_finish(cc_encoder *encoder, cc_status *status) {
    jpeg_encoder *state = encoder->impl;
    if (setjmp(state->err.jump))
        return fail_from_jpeg(&state->err, status);
    jpeg_finish_compress(&state->cinfo); /* flushes through stdio; checks ferror */
    return 0;
}

static void cc_jpeg_encoder_free(cc_encoder *encoder) {
    jpeg_encoder *state = encoder->impl;
    jpeg_destroy_compress(&state->cinfo);
}

/* ---- the table's row ---- */

static const cc_signature signatures[] = {{{0xFF, 0xD8}, 2}}; /* SOI, start of image */

const cc_codec cc_jpeg_codec = {
    .info = {
        .format = CC_FORMAT_JPEG,
        .name = "JPEG",
        .signatures = signatures,
        .signature_count = sizeof signatures / sizeof signatures[0],
        .cut_from = 0, /* a lone 0xFF byte is not taken for a cut JPEG */
        .write_depths = CC_DEPTH(8),
        .writes_alpha = 0,
        .takes_quality = 1,
        .interlaced_in_one_call = 0, /* libjpeg buffers a progressive file's scans itself */
    },
    .decoder_state_size = sizeof(jpeg_decoder),
    .encoder_state_size = sizeof(jpeg_encoder),
    .decoder_open = cc_jpeg_decoder_open,
    .decoder_read_rows = cc_jpeg_decoder_read_rows,
    .decoder_finish = cc_jpeg_decoder_finish,
    .decoder_free = cc_jpeg_decoder_free,
    .encoder_open = cc_jpeg_encoder_open,
    .encoder_write_rows = cc_jpeg_encoder_write_rows,
    .encoder_finish = cc_jpeg_encoder_finish,
    .encoder_free = cc_jpeg_encoder_free,
};
