"""The pipeline run as DVC experiments and around them: seeds, studies, the parallel runner,
the committed-outputs check and the offline report."""
