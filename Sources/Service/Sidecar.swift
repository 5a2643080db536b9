import Denoiser
