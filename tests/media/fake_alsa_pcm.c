/* A fake ALSA capture device for tests: an alsa-lib I/O plugin (ioplug),
 * loaded from a test ~/.asoundrc, that behaves like a microphone without
 * sound hardware and fails like one on command.
 *
 *   pcm_type.edgemma_fake { lib "/path/to/libedgemma_fake_alsa.so" }
 *   pcm.fake_mic { type edgemma_fake  ctl "/dir"  rate 16000  channels 1 }
 *   pcm.fake_talk { type edgemma_fake  infile "/path/speech.raw" }
 *
 * Paced by CLOCK_MONOTONIC (a timerfd wakes poll() once per period), S16_LE.
 * Its signal is a ramp of the absolute monotonic frame index k (sample value
 * (k mod 65536) - 32768 on every channel), so a consumer can tell exactly
 * which frames it got and how many it missed, across reopens too. With
 * `infile` (raw S16_LE at the device's rate and channels) it plays that file
 * instead, in real time from the first start, then silence.
 * Faults, by files in the `ctl` directory:
 *   xrun     (one shot, removed) the pointer reports an overrun (-EPIPE)
 *   suspend  (one shot, removed) the stream is suspended (-ESTRPIPE); its
 *            resume does nothing (the stream stays SUSPENDED), as with
 *            drivers without resume support: it has to be prepared again
 *   gone     while it exists the device is unplugged: a running stream turns
 *            DISCONNECTED (reads give -ENODEV), prepare and open fail with
 *            -ENODEV.
 * An application that does not read for more than a buffer gets a real
 * overrun. */
#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  snd_pcm_ioplug_t io;
  int timer; /* timerfd: readable once per period while running */
  char ctl[PATH_MAX];
  int64_t base; /* monotonic frame index at start */
  int64_t xfer; /* frames transferred since start */
  snd_pcm_sframes_t last_ptr;
  int16_t* data; /* infile samples, interleaved; NULL: the ramp */
  int64_t data_frames;
  int64_t first; /* monotonic frame index at the first start; -1 before */
} fake_t;

static int64_t NowFrames(unsigned rate) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * rate + (int64_t)ts.tv_nsec * rate / 1000000000;
}

/* Whether ctl/name exists; a one-shot control is removed. */
static int Control(const fake_t* f, const char* name, int once) {
  char path[PATH_MAX + 16];
  if (!f->ctl[0]) return 0;
  snprintf(path, sizeof(path), "%s/%s", f->ctl, name);
  if (access(path, F_OK) != 0) return 0;
  if (once) unlink(path);
  return 1;
}

static int FakeStart(snd_pcm_ioplug_t* io) {
  fake_t* f = io->private_data;
  const long period_ns = (long)(io->period_size * 1000000000ull / io->rate);
  struct itimerspec its;
  f->base = NowFrames(io->rate);
  if (f->first < 0) f->first = f->base;
  f->xfer = 0;
  f->last_ptr = 0;
  its.it_interval.tv_sec = period_ns / 1000000000;
  its.it_interval.tv_nsec = period_ns % 1000000000;
  its.it_value = its.it_interval;
  return timerfd_settime(f->timer, 0, &its, NULL) == 0 ? 0 : -errno;
}

static int FakeStop(snd_pcm_ioplug_t* io) {
  fake_t* f = io->private_data;
  struct itimerspec off;
  memset(&off, 0, sizeof(off));
  timerfd_settime(f->timer, 0, &off, NULL);
  return 0;
}

static snd_pcm_sframes_t FakePointer(snd_pcm_ioplug_t* io) {
  fake_t* f = io->private_data;
  int64_t hw;
  if (io->state != SND_PCM_STATE_RUNNING) return f->last_ptr;
  if (Control(f, "gone", 0)) {
    snd_pcm_ioplug_set_state(io, SND_PCM_STATE_DISCONNECTED);
    return f->last_ptr;
  }
  if (Control(f, "suspend", 1)) {
    snd_pcm_ioplug_set_state(io, SND_PCM_STATE_SUSPENDED);
    return f->last_ptr;
  }
  if (Control(f, "xrun", 1)) return -EPIPE;
  hw = NowFrames(io->rate) - f->base;
  if (hw - f->xfer > (int64_t)io->buffer_size) return -EPIPE; /* not read */
  f->last_ptr = (snd_pcm_sframes_t)(hw % io->buffer_size);
  return f->last_ptr;
}

static snd_pcm_sframes_t FakeTransfer(snd_pcm_ioplug_t* io,
                                      const snd_pcm_channel_area_t* areas,
                                      snd_pcm_uframes_t offset,
                                      snd_pcm_uframes_t size) {
  fake_t* f = io->private_data;
  snd_pcm_uframes_t i;
  unsigned c;
  for (i = 0; i < size; ++i) {
    const int64_t k = f->base + f->xfer + (int64_t)i;
    const int64_t j = k - f->first; /* frame of the infile */
    for (c = 0; c < io->channels; ++c) {
      const snd_pcm_channel_area_t* a = &areas[c];
      char* p = (char*)a->addr + (a->first + (offset + i) * a->step) / 8;
      int16_t v = (int16_t)((k & 0xffff) - 32768);
      if (f->data) v = j < f->data_frames ? f->data[j * io->channels + c] : 0;
      memcpy(p, &v, 2);
    }
  }
  f->xfer += (int64_t)size;
  return (snd_pcm_sframes_t)size;
}

static int FakePrepare(snd_pcm_ioplug_t* io) {
  fake_t* f = io->private_data;
  return Control(f, "gone", 0) ? -ENODEV : 0;
}

static int FakePollRevents(snd_pcm_ioplug_t* io, struct pollfd* pfd,
                           unsigned int nfds, unsigned short* revents) {
  fake_t* f = io->private_data;
  uint64_t ticks;
  (void)nfds;
  while (read(f->timer, &ticks, sizeof(ticks)) > 0) {
  }
  *revents = pfd[0].revents & (POLLIN | POLLERR | POLLNVAL);
  return 0;
}

static int FakeClose(snd_pcm_ioplug_t* io) {
  fake_t* f = io->private_data;
  close(f->timer);
  free(f->data);
  free(f);
  return 0;
}

/* Reads the raw S16 file into f->data. */
static int LoadInfile(fake_t* f, const char* path, long channels) {
  FILE* in = fopen(path, "rb");
  long bytes;
  if (!in) return -errno;
  fseek(in, 0, SEEK_END);
  bytes = ftell(in);
  fseek(in, 0, SEEK_SET);
  f->data_frames = bytes / (2 * channels);
  f->data = malloc((size_t)(f->data_frames * channels + 1) * 2);
  if (!f->data || fread(f->data, 2 * channels, (size_t)f->data_frames, in) !=
                      (size_t)f->data_frames) {
    fclose(in);
    return -EIO;
  }
  fclose(in);
  return 0;
}

static const snd_pcm_ioplug_callback_t kFakeCallbacks = {
    .start = FakeStart,
    .stop = FakeStop,
    .pointer = FakePointer,
    .transfer = FakeTransfer,
    .prepare = FakePrepare,
    .poll_revents = FakePollRevents,
    .close = FakeClose,
};

SND_PCM_PLUGIN_DEFINE_FUNC(edgemma_fake) {
  snd_config_iterator_t i, next;
  const char* ctl = "";
  const char* infile = "";
  long rate = 16000, channels = 1;
  fake_t* f;
  int err;
  static const unsigned int access_list[] = {SND_PCM_ACCESS_RW_INTERLEAVED};
  static const unsigned int format_list[] = {SND_PCM_FORMAT_S16_LE};
  (void)root;
  snd_config_for_each(i, next, conf) {
    snd_config_t* n = snd_config_iterator_entry(i);
    const char* id;
    if (snd_config_get_id(n, &id) < 0) continue;
    if (!strcmp(id, "comment") || !strcmp(id, "type") || !strcmp(id, "hint"))
      continue;
    if (!strcmp(id, "ctl") && snd_config_get_string(n, &ctl) >= 0) continue;
    if (!strcmp(id, "infile") && snd_config_get_string(n, &infile) >= 0)
      continue;
    if (!strcmp(id, "rate") && snd_config_get_integer(n, &rate) >= 0) continue;
    if (!strcmp(id, "channels") && snd_config_get_integer(n, &channels) >= 0)
      continue;
    SNDERR("edgemma_fake: unknown or bad field %s", id);
    return -EINVAL;
  }
  if (stream != SND_PCM_STREAM_CAPTURE) return -EINVAL;
  f = calloc(1, sizeof(*f));
  if (!f) return -ENOMEM;
  f->first = -1;
  snprintf(f->ctl, sizeof(f->ctl), "%s", ctl);
  if (infile[0] && (err = LoadInfile(f, infile, channels)) < 0) {
    SNDERR("edgemma_fake: cannot read %s", infile);
    free(f->data);
    free(f);
    return err;
  }
  if (Control(f, "gone", 0)) {
    free(f->data);
    free(f);
    return -ENODEV;
  }
  f->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (f->timer < 0) {
    err = -errno;
    free(f->data);
    free(f);
    return err;
  }
  f->io.version = SND_PCM_IOPLUG_VERSION;
  f->io.name = "edgemma fake microphone";
  f->io.callback = &kFakeCallbacks;
  f->io.private_data = f;
  f->io.poll_fd = f->timer;
  f->io.poll_events = POLLIN;
  err = snd_pcm_ioplug_create(&f->io, name, stream, mode);
  if (err < 0) {
    close(f->timer);
    free(f->data);
    free(f);
    return err;
  }
  if ((err = snd_pcm_ioplug_set_param_list(&f->io, SND_PCM_IOPLUG_HW_ACCESS, 1,
                                           access_list)) < 0 ||
      (err = snd_pcm_ioplug_set_param_list(&f->io, SND_PCM_IOPLUG_HW_FORMAT, 1,
                                           format_list)) < 0 ||
      (err = snd_pcm_ioplug_set_param_minmax(&f->io, SND_PCM_IOPLUG_HW_CHANNELS,
                                             channels, channels)) < 0 ||
      (err = snd_pcm_ioplug_set_param_minmax(&f->io, SND_PCM_IOPLUG_HW_RATE,
                                             rate, rate)) < 0 ||
      (err = snd_pcm_ioplug_set_param_minmax(
           &f->io, SND_PCM_IOPLUG_HW_PERIOD_BYTES, 64, 1 << 20)) < 0 ||
      (err = snd_pcm_ioplug_set_param_minmax(&f->io, SND_PCM_IOPLUG_HW_PERIODS,
                                             2, 1024)) < 0) {
    snd_pcm_ioplug_delete(&f->io);
    return err;
  }
  *pcmp = f->io.pcm;
  return 0;
}
SND_PCM_PLUGIN_SYMBOL(edgemma_fake);
