"""Every session-state key, written once. Widgets, pages, tests and (later) URLs all name state
through ``Key``; a StrEnum, so each member is also the plain string Streamlit stores."""

from __future__ import annotations

from enum import StrEnum


class Key(StrEnum):
    # The model picker (drawn by the navigation script for every page) and the models it offers.
    MODEL = "model_key"  # the picker widget's value: "shipped:NAME", "upload:DIGEST" or "trained:SERIAL"
    MODEL_REQUEST = "model_request"  # a page asks for another model; applied before the picker is drawn
    ACTIVE_MODEL = "active_model"  # what the picker resolved for this run (an ActiveModel)
    UPLOADED_MODELS = "uploaded_models"  # digest key -> (file name, model), this session's last few uploads
    CHECKPOINT_UPLOAD = "ckpt_upload"
    TRAINED_MODELS = "trained_models"  # picker key -> (name, model): this session's last few trainings
    TRAINING_JOB = "training_job"

    # Links and teaching
    LINK_READ = "link_read"  # the link this session was opened with has been applied
    VIEW = "view"  # the page (file in pages/) whose state makes the view's link
    VIEW_EXTRA = "view_extra"  # link parameters the navigation adds (a lesson and its step)
    PRESENT = "present"  # presentation mode: large type and images, no sidebar
    LEAVE_PRESENTATION = "leave_presentation"
    COPY_LINK = "copy_link"
    OPENED_WITH = "opened_with"  # the query string this session's first run was opened with
    LESSON = "lesson"  # the lesson shown (its file's stem)
    LESSON_STEP = "lesson_step"  # its step, from 0
    LESSON_ENTERED = "lesson_entered"  # (lesson, step) whose view has been preset
    LESSON_NOTICES = "lesson_notices"  # what in the step's view could not be used
    LESSON_PICKER = "lesson_picker"
    LESSON_BACK = "lesson_back"
    LESSON_NEXT = "lesson_next"
    LESSON_JUMP = "lesson_jump"  # the list of steps to jump to (preparing, not presenting)
    LESSON_OPENED_NOTICES = "lesson_opened_notices"  # what in the link that opened the lesson was not used
    LESSON_MEASURE = "lesson_measure"  # the presenter's "measure this step's claims"
    STEP_KEYS = "unseen_step_keys"  # unseen_: listens only, so ui/style.css hides its slot

    # Latent explorer
    GRID_N = "grid_n"
    GRID_SPACING = "grid_spacing"
    GRID_EXTENT = "grid_extent"
    DIM_X = "dim_x"
    DIM_Y = "dim_y"
    HOLD = "hold"
    HOLD_DIGIT = "hold_digit"
    # A drawn or uploaded digit's posterior mean, (its name, the code), sent from Reconstruct: the
    # explorer can hold the other dimensions there (session only: a link cannot carry an upload).
    HOLD_CODE = "hold_code"
    EXPLORE_FROM = "explore_from"  # set once by Reconstruct's "Explore from here": start the pad at HOLD_CODE
    FINE_STEPS = "fine_steps"
    Z_X = "z_x"
    Z_Y = "z_y"
    LATENT_PAD = "latent_pad"  # the pad: its trigger "release" carries the point let go of
    EXPLORE_DRAW = "explore_draw"  # the small drawing pad whose posterior the latent pad shows

    # Interpolation
    INTERP_SOURCE = "interp_source"
    INTERP_PAIR = "interp_pair"
    INTERP_FILES = "interp_files"
    INTERP_FROM = "interp_a"
    INTERP_TO = "interp_b"
    INTERP_STEPS = "interp_steps"
    INTERP_EXPORT = "interp_export"
    INTERP_SCRUB = "interp_scrub"  # t along both paths, decoded in the browser
    INTERP_T = "interp_t"  # where the scrubber was let go, from 0 to 1: a link carries it

    # Latent scatter
    PROJECTION = "proj"
    TSNE_POINTS = "tsne_points"
    GRID_UNDER = "under"
    SCATTER_CHART = "scatter_chart"
    SCATTER_SELECTION = "scatter_selection"  # a ui.selection.Selection: what the view shows as selected
    SCATTER_DRAWN = "scatter_drawn"  # (what the chart was drawn from, whether the page marked a selection on it)
    SCATTER_PICKED_ON = "scatter_picked_on"  # SCATTER_DRAWN of the chart the selection was made on
    SCATTER_CLEARS = "scatter_clears"  # how often a selection was cleared on the chart: a new chart each time
    SCATTER_FIND = "scatter_find"  # a test digit looked up by its number (None: none)

    # Reconstruct your image
    RECON_FILES = "recon_files"
    RECON_PAD = "recon_pad"
    RECON_K = "recon_k"
    RECON_INPUT = "recon_input"  # the tab the digit comes from: upload or draw
    RECON_EXPLORE = "recon_explore"  # "Explore from here": recon_explore_pad, recon_explore_0, ...
    RECON_SCATTER = "recon_scatter"  # one chart per input: recon_scatter_0, recon_scatter_1, ...

    # Samples
    SAMPLES_N = "samples_n"
    SAMPLES_SEED = "samples_seed"
    SAMPLES_T = "samples_t"
    SAMPLES_PIXELS = "samples_pixels"
    SAMPLES_EXPORT = "samples_export"
    SAMPLES_NEAREST = "samples_nearest"  # show each sample's nearest training image

    # Anomaly detection
    ANOMALY_SCORE = "anomaly_score"
    ANOMALY_SET = "anomaly_set"
    ANOMALY_FPR = "anomaly_fpr"
    ANOMALY_FILES = "anomaly_files"
    ANOMALY_PAD = "anomaly_pad"
    ANOMALY_IWAE_TABLE = "anomaly_iwae_table"  # the full table's IWAE columns (slow the first time)
    ANOMALY_HISTOGRAM = "anomaly_histogram"  # one chart per score: anomaly_histogram_elbo, ...
    ANOMALY_ROC = "anomaly_roc"

    # Train
    T_DATASET = "t_dataset"
    T_LATENT = "t_latent"
    T_LIKELIHOOD = "t_likelihood"
    T_BINARIZE = "t_binarize"
    T_BETA = "t_beta"
    T_WARMUP = "t_warmup"
    T_EPOCHS = "t_epochs"
    T_BATCH = "t_batch"
    T_LR = "t_lr"
    T_SEED = "t_seed"
    T_SUBSET = "t_subset"
    T_TC_WEIGHT = "t_tc_weight"
    T_TC_ESTIMATOR = "t_tc_estimator"
    T_SAVE_NAME = "t_save_name"
    T_TEACHER_KEY = "t_teacher_key"  # the server's VAE_TEACHER_KEY, typed to save for everyone
    T_SAVE = "t_save"
    TRAIN_CURVE = "train_curve"
    TRAIN_KL_DIMS = "train_kl_dims"
    TRAIN_SCATTER = "train_scatter"

    # Traversals and disentanglement (charts: one per model, suffixed _a and _b)
    TRAV_PRESET = "trav_preset"
    TRAV_A = "trav_a"
    TRAV_B = "trav_b"
    TRAV_STEPS = "trav_steps"
    TRAV_ROWS = "trav_rows"
    TRAV_HOLD = "trav_hold"
    TRAV_DIGIT = "trav_digit"
    TRAV_BARS = "trav_bars"

    # Disentanglement (charts and pads suffixed _a and _b)
    DIS_PRESET = "dis_preset"
    DIS_A = "dis_a"
    DIS_B = "dis_b"
    DIS_PAD_FACTORS = "dis_pad_factors"
    DIS_MAP = "dis_map"
    DIS_PAD = "dis_pad"
    DIS_POINT = "dis_point"  # {suffix: (x, y)}: where each pad's point was let go

    # Posterior collapse (charts suffixed _a and _b, or with the run's name)
    COLLAPSE_PRESET = "collapse_preset"
    COLLAPSE_A = "collapse_a"
    COLLAPSE_B = "collapse_b"
    COLLAPSE_IMAGES = "collapse_images"
    COLLAPSE_JOBS = "collapse_jobs"  # the one-click pair: (without warm-up, with warm-up) TrainingJobs
    COLLAPSE_SHOW = "collapse_show"  # the pair's picker keys, to show once the page reruns
    COLLAPSE_KL = "collapse_kl"
    COLLAPSE_UNITS = "collapse_units"
    COLLAPSE_LIVE = "collapse_live"
    COLLAPSE_FINAL = "collapse_final"

    # Prior vs aggregate posterior
    HOLES_Q = "holes_q"
    HOLES_P = "holes_p"
    HOLES_MAP = "holes_map"
    HOLES_HISTOGRAMS = "holes_histograms"

    # What each level encodes (and, on the explorer, a hierarchy's levels below the point)
    LOWER_DRAWN = "lower_drawn"  # the explorer draws the levels below the top instead of taking their means
    LEVELS_DIGIT = "levels_digit"  # the test digit whose levels are held (_class and _index)
    LEVELS_SEED = "levels_seed"
    LEVELS_Q = "levels_q"
    LEVELS_P = "levels_p"

    # Compare two models (charts suffixed _a and _b)
    COMPARE_VIEW = "compare_view"
    COMPARE_PRESET = "compare_preset"
    COMPARE_A = "compare_a"
    COMPARE_B = "compare_b"
    COMPARE_SEED = "compare_seed"
    COMPARE_SCATTER = "compare_scatter"
    CLASSIC_CURVE = "classic_curve"
